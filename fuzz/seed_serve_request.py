"""Seeds the serve_request fuzz target (`python3 fuzz/seed_serve_request.py CORPUS_DIR`, run by
scripts/fuzz.sh): every request body literal of the serve tests that is JSON as written, and one
well-formed body per operation, each as awsJson1.1 (flags 0) and as RPC v2 CBOR (flags 1), and a
few behind a header block signed with the target's credentials (flags 2, 3 and 6). Files are
named by content, so seeding again adds nothing twice."""
import base64
import hashlib
import hmac
import json
import pathlib
import re
import struct
import sys

out = pathlib.Path(sys.argv[1])
bodies = []
for test in sorted(pathlib.Path("tests/integration/serve").glob("*.rs")):
    for literal in re.findall(r"json!\((\{.*\})\)", test.read_text()):
        try:
            body = json.loads(literal)
        except ValueError:
            continue
        if body not in bodies:
            bodies.append(body)
anchor = "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUfuzz\n-----END CERTIFICATE-----\n"
well_formed = [
    {"CustomKeyStoreName": "store-a", "CloudHsmClusterId": "cluster-1234567abcd",
     "TrustAnchorCertificate": anchor, "KeyStorePassword": "kmsuser-password",
     "CustomKeyStoreType": "AWS_CLOUDHSM"},
    {"CustomKeyStoreId": "cks-1234567890abcdef0", "NewCustomKeyStoreName": "store-b",
     "KeyStorePassword": "another-password", "CloudHsmClusterId": "cluster-1234567abcd"},
    {"CustomKeyStoreId": "cks-1234567890abcdef0", "Origin": "AWS_CLOUDHSM",
     "KeySpec": "SYMMETRIC_DEFAULT", "KeyUsage": "ENCRYPT_DECRYPT", "Description": "d",
     "MultiRegion": False},
    {"KeyId": "alias/a", "Plaintext": "aGk=", "EncryptionContext": {"purpose": "test"}},
    {"CiphertextBlob": base64.b64encode(bytes(range(64))).decode(), "KeyId": "k"},
    {"NumberOfBytes": 32, "CustomKeyStoreId": "cks-1234567890abcdef0"},
    {"KeyId": "k", "PendingWindowInDays": 7},
    {"Filters": {"clusterIds": ["cluster-1234567abcd"], "states": ["ACTIVE"]},
     "MaxResults": 25, "NextToken": "cluster-1234567abcd"},
    {"Filters": {"neverExpires": ["true"], "backupIds": ["backup-1234567abcd"]},
     "Shared": False, "SortAscending": False, "MaxResults": 50},
    {"HsmType": "hsm2m.medium", "SubnetIds": ["subnet-0123456789abcdef0"],
     "SourceBackupId": "backup-1234567abcd"},
    {"ClusterId": "cluster-1234567abcd", "SignedCert": anchor, "TrustAnchor": anchor},
    {"ClusterId": "cluster-1234567abcd", "AvailabilityZone": "us-east-1a",
     "HsmId": "hsm-1234567abcd"},
    {"Limit": 1.5, "Marker": None, "Half": -0.25, "Big": 2**62, "Negative": -3},
]
bodies += [body for body in well_formed if body not in bodies]
BLOBS = {"Plaintext", "CiphertextBlob"}


def cbor_head(major, length):
    if length < 24:
        return bytes([major << 5 | length])
    for code, fmt in ((24, ">B"), (25, ">H"), (26, ">I"), (27, ">Q")):
        if length < 1 << (8 * struct.calcsize(fmt)):
            return bytes([major << 5 | code]) + struct.pack(fmt, length)
    raise ValueError(length)


def cbor(value, member=None):
    if value is None:
        return b"\xf6"
    if value is True or value is False:
        return b"\xf5" if value else b"\xf4"
    if isinstance(value, int):
        return cbor_head(0, value) if value >= 0 else cbor_head(1, -1 - value)
    if isinstance(value, float):
        return b"\xfb" + struct.pack(">d", value)
    if isinstance(value, str):
        if member in BLOBS:
            raw = base64.b64decode(value)
            return cbor_head(2, len(raw)) + raw
        raw = value.encode()
        return cbor_head(3, len(raw)) + raw
    if isinstance(value, list):
        return cbor_head(4, len(value)) + b"".join(cbor(item) for item in value)
    return cbor_head(5, len(value)) + b"".join(
        cbor(key) + cbor(item, key) for key, item in value.items())


def seed(data):
    (out / hashlib.sha1(data).hexdigest()[:16]).write_bytes(data)


def signed(body, service, target):
    """A header block signed as SigV4 signs a request (checked against botocore's signer)."""
    amz_date, day, region = "20261202T120000Z", "20261202", "us-east-1"
    headers = {"host": "127.0.0.1:4566", "x-amz-date": amz_date, "x-amz-target": target}
    names = ";".join(sorted(headers))
    canonical = "\n".join(["POST", "/", ""] + [f"{name}:{headers[name]}" for name in
                          sorted(headers)] + ["", names, hashlib.sha256(body).hexdigest()])
    scope = f"{day}/{region}/{service}/aws4_request"
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope,
                         hashlib.sha256(canonical.encode()).hexdigest()])
    key = b"AWS4fuzz-secret-access-key"
    for part in (day, region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    headers["authorization"] = (f"AWS4-HMAC-SHA256 Credential=AKIDFUZZ/{scope}, "
                                f"SignedHeaders={names}, Signature={signature}")
    return "".join(f"{name}: {value}\n" for name, value in headers.items()).encode() + b"\n"


for body in bodies:
    text = json.dumps(body).encode()
    seed(b"\x00" + text)
    seed(b"\x01" + cbor(body))
for body in well_formed[:3]:
    text = json.dumps(body).encode()
    seed(b"\x02" + signed(text, "kms", "TrentService.CreateCustomKeyStore") + text)
    seed(b"\x03" + signed(cbor(body), "kms", "TrentService.Encrypt") + cbor(body))
seed(b"\x06" + signed(b"{}", "cloudhsm", "BaldrApiService.DescribeClusters") + b"{}")
# An indefinite-length map, as the Rust SDK sends an empty input, and one with members.
seed(b"\x01\xbf\xff")
seed(b"\x01\xbf" + cbor("KeyId") + cbor("k") + b"\xff")
