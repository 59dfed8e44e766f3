#!/usr/bin/env python3
"""An independent AWS client against `cloudhsm-shell serve`: boto3 drives the custom key store
workflow, a KMS key and the documented exceptions, so botocore's own parsing checks the wire.

Run by scripts/test.sh in its private virtual environment; CLOUDHSM_SHELL_BIN names the binary.
"""

import base64
import os
import shutil
import subprocess
import tempfile
import unittest

import boto3
import botocore.config
import botocore.exceptions

SHELL = os.environ.get("CLOUDHSM_SHELL_BIN", "target/debug/cloudhsm-shell")
ADMIN_PASSWORD = "Admin-pass-1"
KMS_USER_PASSWORD = "KmsUserPass1"


def shell(state_dir, lines):
    """Runs batch lines in a shell on the state directory; returns its stdout lines."""
    result = subprocess.run(
        [SHELL, "--state-dir", state_dir],
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "NO_COLOR": "1"},
    )
    if result.returncode != 0:
        raise AssertionError(f"shell failed: {result.stdout}{result.stderr}")
    return result.stdout.splitlines()


class Served:
    """A `serve` on a fresh state whose first cluster is activated and has kmsuser."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="serve-boto3-")
        self.state_dir = os.path.join(self.dir, "state")
        shell(
            self.state_dir,
            [
                f"cluster activate --password {ADMIN_PASSWORD}",
                f"login --username admin --role admin --password {ADMIN_PASSWORD}",
                "user create --username kmsuser --role crypto-user "
                f"--password {KMS_USER_PASSWORD}",
                "logout",
            ],
        )
        self.log = open(os.path.join(self.dir, "serve.log"), "w")
        self.process = subprocess.Popen(
            [SHELL, "serve", "--listen", "127.0.0.1:0", "--state-dir", self.state_dir],
            stdout=subprocess.PIPE,
            stderr=self.log,
            text=True,
        )
        first = self.process.stdout.readline().strip()
        prefix = "Listening on "
        if not first.startswith(prefix):
            raise AssertionError(f"serve did not start: {first!r}")
        self.endpoint = first[len(prefix):]

    def client(self, service, validate=True):
        """A client of the served service that never retries (a fault must reach the test);
        `validate=False` lets requests botocore would refuse reach the server."""
        return boto3.client(
            service,
            endpoint_url=self.endpoint,
            region_name="us-east-1",
            aws_access_key_id="test",
            aws_secret_access_key="test",
            config=botocore.config.Config(
                retries={"total_max_attempts": 1}, parameter_validation=validate
            ),
        )

    def cluster(self):
        clusters = self.client("cloudhsmv2").describe_clusters()["Clusters"]
        return clusters[0]

    def trust_anchor(self):
        with open(os.path.join(self.state_dir, "customerCA.crt")) as file:
            return file.read()

    def stop(self):
        self.process.terminate()
        status = self.process.wait(timeout=10)
        self.log.close()
        shutil.rmtree(self.dir)
        if status != 0:
            raise AssertionError(f"serve exited with {status} on SIGTERM")


class KeyStoreWorkflow(unittest.TestCase):
    def setUp(self):
        self.served = Served()
        self.kms = self.served.client("kms")
        self.cluster_id = self.served.cluster()["ClusterId"]

    def tearDown(self):
        self.served.stop()

    def create(self, name="boto3-store", password=KMS_USER_PASSWORD):
        return self.kms.create_custom_key_store(
            CustomKeyStoreName=name,
            CloudHsmClusterId=self.cluster_id,
            TrustAnchorCertificate=self.served.trust_anchor(),
            KeyStorePassword=password,
        )["CustomKeyStoreId"]

    def describe(self, store_id):
        stores = self.kms.describe_custom_key_stores(CustomKeyStoreId=store_id)
        self.assertFalse(stores["Truncated"])
        self.assertEqual(len(stores["CustomKeyStores"]), 1)
        return stores["CustomKeyStores"][0]

    def test_the_whole_workflow_and_a_kms_key(self):
        store_id = self.create()
        self.assertRegex(store_id, r"^cks-[0-9a-f]{17}$")
        # An identical create of a disconnected store gives the same store back.
        self.assertEqual(self.create(), store_id)
        store = self.describe(store_id)
        self.assertEqual(store["CustomKeyStoreName"], "boto3-store")
        self.assertEqual(store["CloudHsmClusterId"], self.cluster_id)
        self.assertEqual(store["ConnectionState"], "DISCONNECTED")
        self.assertEqual(store["CustomKeyStoreType"], "AWS_CLOUDHSM")
        self.assertNotIn("ConnectionErrorCode", store)
        self.assertEqual(store["TrustAnchorCertificate"], self.served.trust_anchor())
        self.assertEqual(store["CreationDate"].tzinfo is not None, True)

        self.assertEqual(
            self.kms.connect_custom_key_store(CustomKeyStoreId=store_id)["ResponseMetadata"][
                "HTTPStatusCode"
            ],
            200,
        )
        self.assertEqual(self.describe(store_id)["ConnectionState"], "CONNECTED")

        key = self.kms.create_key(
            Origin="AWS_CLOUDHSM", CustomKeyStoreId=store_id, Description="boto3 key"
        )["KeyMetadata"]
        self.assertEqual(key["Origin"], "AWS_CLOUDHSM")
        self.assertEqual(key["CustomKeyStoreId"], store_id)
        self.assertEqual(key["CloudHsmClusterId"], self.cluster_id)
        self.assertEqual(key["KeyState"], "Enabled")
        self.assertEqual(key["KeySpec"], "SYMMETRIC_DEFAULT")
        described = self.kms.describe_key(KeyId=key["Arn"])["KeyMetadata"]
        self.assertEqual(described["KeyId"], key["KeyId"])

        plaintext = b"plaintext for the boto3 round trip"
        encrypted = self.kms.encrypt(KeyId=key["KeyId"], Plaintext=plaintext)
        self.assertIsInstance(encrypted["CiphertextBlob"], bytes)
        self.assertNotIn(plaintext, encrypted["CiphertextBlob"])
        decrypted = self.kms.decrypt(CiphertextBlob=encrypted["CiphertextBlob"])
        self.assertEqual(decrypted["Plaintext"], plaintext)
        self.assertEqual(decrypted["KeyId"], key["Arn"])
        random = self.kms.generate_random(NumberOfBytes=32, CustomKeyStoreId=store_id)
        self.assertEqual(len(random["Plaintext"]), 32)

        self.kms.disable_key(KeyId=key["KeyId"])
        with self.assertRaises(self.kms.exceptions.DisabledException):
            self.kms.encrypt(KeyId=key["KeyId"], Plaintext=plaintext)
        self.kms.enable_key(KeyId=key["KeyId"])
        deletion = self.kms.schedule_key_deletion(KeyId=key["KeyId"], PendingWindowInDays=7)
        self.assertEqual(deletion["KeyState"], "PendingDeletion")
        self.assertEqual(deletion["PendingWindowInDays"], 7)
        self.kms.cancel_key_deletion(KeyId=key["KeyId"])
        self.assertEqual(
            self.kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]["KeyState"], "Disabled"
        )

        second = self.kms.create_key(Origin="AWS_CLOUDHSM", CustomKeyStoreId=store_id)
        first_page = self.kms.list_keys(Limit=1)
        self.assertTrue(first_page["Truncated"])
        second_page = self.kms.list_keys(Limit=1, Marker=first_page["NextMarker"])
        self.assertFalse(second_page["Truncated"])
        self.assertEqual(
            sorted(entry["KeyId"] for entry in first_page["Keys"] + second_page["Keys"]),
            sorted([key["KeyId"], second["KeyMetadata"]["KeyId"]]),
        )

        # A connected store may be renamed, but its password changes only when disconnected.
        self.kms.update_custom_key_store(CustomKeyStoreId=store_id, NewCustomKeyStoreName="renamed")
        self.assertEqual(self.describe(store_id)["CustomKeyStoreName"], "renamed")
        with self.assertRaises(self.kms.exceptions.CustomKeyStoreInvalidStateException):
            self.kms.update_custom_key_store(
                CustomKeyStoreId=store_id, KeyStorePassword=KMS_USER_PASSWORD
            )
        self.kms.disconnect_custom_key_store(CustomKeyStoreId=store_id)
        self.assertEqual(self.describe(store_id)["ConnectionState"], "DISCONNECTED")
        self.kms.update_custom_key_store(
            CustomKeyStoreId=store_id, KeyStorePassword=KMS_USER_PASSWORD
        )

        # A store that still has keys cannot be deleted.
        with self.assertRaises(self.kms.exceptions.CustomKeyStoreHasCMKsException):
            self.kms.delete_custom_key_store(CustomKeyStoreId=store_id)

    def test_describe_pages_with_limit_and_marker(self):
        store_id = self.create()
        page = self.kms.describe_custom_key_stores(Limit=1)
        self.assertEqual([entry["CustomKeyStoreId"] for entry in page["CustomKeyStores"]], [store_id])
        self.assertFalse(page["Truncated"])
        self.assertNotIn("NextMarker", page)
        by_name = self.kms.describe_custom_key_stores(CustomKeyStoreName="boto3-store")
        self.assertEqual(by_name["CustomKeyStores"][0]["CustomKeyStoreId"], store_id)
        self.kms.delete_custom_key_store(CustomKeyStoreId=store_id)
        self.assertEqual(self.kms.describe_custom_key_stores()["CustomKeyStores"], [])

    def test_each_documented_exception_reaches_botocore_by_name(self):
        store_id = self.create()
        cases = [
            (
                "CustomKeyStoreNameInUseException",
                lambda: self.create(password="OtherPass12"),
            ),
            (
                "CustomKeyStoreNotFoundException",
                lambda: self.kms.describe_custom_key_stores(
                    CustomKeyStoreId="cks-0123456789abcdef0"
                ),
            ),
            (
                "CloudHsmClusterNotFoundException",
                lambda: self.kms.create_custom_key_store(
                    CustomKeyStoreName="other",
                    CloudHsmClusterId="cluster-zzzzzzzzzzz",
                    TrustAnchorCertificate=self.served.trust_anchor(),
                    KeyStorePassword=KMS_USER_PASSWORD,
                ),
            ),
            (
                "CloudHsmClusterInUseException",
                lambda: self.create(name="second-store"),
            ),
            (
                "ValidationException",
                lambda: self.served.client("kms", validate=False).create_custom_key_store(
                    CustomKeyStoreName="short-password",
                    CloudHsmClusterId=self.cluster_id,
                    TrustAnchorCertificate=self.served.trust_anchor(),
                    KeyStorePassword="short",
                ),
            ),
            (
                "NotFoundException",
                lambda: self.kms.describe_key(KeyId="0123abcd-0123-4567-89ab-0123456789ab"),
            ),
            (
                "CustomKeyStoreInvalidStateException",
                lambda: self.kms.create_key(Origin="AWS_CLOUDHSM", CustomKeyStoreId=store_id),
            ),
        ]
        for code, call in cases:
            with self.subTest(code=code):
                with self.assertRaises(botocore.exceptions.ClientError) as raised:
                    call()
                error = raised.exception.response
                self.assertEqual(error["Error"]["Code"], code)
                self.assertEqual(error["ResponseMetadata"]["HTTPStatusCode"], 400)
                self.assertTrue(error["Error"]["Message"])
                self.assertNotIn(KMS_USER_PASSWORD, error["Error"]["Message"])
        # None of the refused calls changed the store.
        store = self.describe(store_id)
        self.assertEqual(store["CustomKeyStoreName"], "boto3-store")
        self.assertEqual(store["ConnectionState"], "DISCONNECTED")
        self.assertEqual(len(self.kms.describe_custom_key_stores()["CustomKeyStores"]), 1)

    def test_a_fault_set_by_a_shell_reaches_botocore_as_a_server_error(self):
        shell(self.served.state_dir, ["sim fail-next-kms-call --exception KMSInternalException"])
        with self.assertRaises(botocore.exceptions.ClientError) as raised:
            self.kms.describe_custom_key_stores()
        error = raised.exception.response
        self.assertEqual(error["Error"]["Code"], "KMSInternalException")
        self.assertEqual(error["ResponseMetadata"]["HTTPStatusCode"], 500)
        self.assertEqual(self.kms.describe_custom_key_stores()["CustomKeyStores"], [])

    def test_a_failed_connection_names_its_error_code(self):
        store_id = self.create()
        shell(self.served.state_dir, ["sim fail-next-connect --error NETWORK_ERRORS"])
        self.kms.connect_custom_key_store(CustomKeyStoreId=store_id)
        store = self.describe(store_id)
        self.assertEqual(store["ConnectionState"], "FAILED")
        self.assertEqual(store["ConnectionErrorCode"], "NETWORK_ERRORS")


class CloudHsmV2(unittest.TestCase):
    def setUp(self):
        self.served = Served()
        self.hsm = self.served.client("cloudhsmv2")

    def tearDown(self):
        self.served.stop()

    def test_describe_clusters_and_backups_parse(self):
        cluster = self.served.cluster()
        self.assertRegex(cluster["ClusterId"], r"^cluster-[a-z0-9]{11}$")
        self.assertEqual(cluster["State"], "ACTIVE")
        self.assertEqual(len(cluster["Hsms"]), 2)
        self.assertEqual(
            len({hsm["AvailabilityZone"] for hsm in cluster["Hsms"]}), 2, cluster["Hsms"]
        )
        self.assertEqual(cluster["CreateTimestamp"].tzinfo is not None, True)
        filtered = self.hsm.describe_clusters(Filters={"clusterIds": [cluster["ClusterId"]]})
        self.assertEqual([c["ClusterId"] for c in filtered["Clusters"]], [cluster["ClusterId"]])
        self.assertEqual(self.hsm.describe_backups()["Backups"], [])

    def test_an_unknown_hsm_is_a_resource_not_found(self):
        cluster_id = self.served.cluster()["ClusterId"]
        with self.assertRaises(botocore.exceptions.ClientError) as raised:
            self.hsm.delete_hsm(ClusterId=cluster_id, HsmId="hsm-zzzzzzzzzzz")
        self.assertEqual(
            raised.exception.response["Error"]["Code"], "CloudHsmResourceNotFoundException"
        )


if __name__ == "__main__":
    unittest.main(verbosity=2)
