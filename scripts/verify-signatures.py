#!/usr/bin/env python3
"""Verifies signatures made by the benchmarks with openssl (shared by bench-keys.sh,
bench-pkcs11.sh and bench-eddsa.sh): a sample of a shell batch's `crypto sign` replies (the batch
output, whose first line is the login), or signature files. RSA signatures are PKCS#1 v1.5 over
SHA-256; ECDSA ones are the CLI's raw r||s over SHA-256, which are turned into the DER openssl
reads; Ed25519 ones are PureEdDSA over the data (`openssl pkeyutl -verify -rawin`). Exits 1,
naming the signature, when one does not verify or the sample is short.

  verify-signatures.py rsa|ec|ed25519 PUBLIC_PEM DATA_FILE --batch OUTPUT --samples N
  verify-signatures.py rsa|ec|ed25519 PUBLIC_PEM DATA_FILE --files SIGNATURE...
"""
import argparse
import base64
import json
import os
import subprocess
import sys
import tempfile


def der_integer(value):
    value = value.lstrip(b"\0") or b"\0"
    if value[0] & 0x80:
        value = b"\0" + value
    return b"\x02" + bytes([len(value)]) + value


def der_ecdsa(raw):
    half = len(raw) // 2
    body = der_integer(raw[:half]) + der_integer(raw[half:])
    return b"\x30" + bytes([len(body)]) + body


def batch_sample(output, samples):
    lines = open(output).read().splitlines()[1:]
    step = max(1, len(lines) // samples)
    chosen = lines[::step][:samples]
    if len(chosen) != samples:
        sys.exit(f"verify-signatures: {output} has {len(lines)} replies, fewer than {samples}")
    return [(f"{output} reply {1 + n * step}", base64.b64decode(json.loads(line)["data"]["signature"]))
            for n, line in enumerate(chosen)]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("kind", choices=["rsa", "ec", "ed25519"])
    parser.add_argument("public_pem")
    parser.add_argument("data_file")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--batch")
    source.add_argument("--files", nargs="+")
    parser.add_argument("--samples", type=int, default=5)
    args = parser.parse_args()
    if args.batch:
        signatures = batch_sample(args.batch, args.samples)
    else:
        signatures = [(name, open(name, "rb").read()) for name in args.files]
    with tempfile.TemporaryDirectory() as work:
        path = os.path.join(work, "signature.der")
        for name, signature in signatures:
            with open(path, "wb") as file:
                file.write(der_ecdsa(signature) if args.kind == "ec" else signature)
            if args.kind == "ed25519":
                command = ["openssl", "pkeyutl", "-verify", "-pubin", "-inkey", args.public_pem,
                           "-rawin", "-in", args.data_file, "-sigfile", path]
                verified = "Signature Verified Successfully"
            else:
                command = ["openssl", "dgst", "-sha256", "-verify", args.public_pem,
                           "-signature", path, args.data_file]
                verified = "Verified OK"
            result = subprocess.run(command, capture_output=True, text=True)
            if result.returncode != 0 or result.stdout.strip() != verified:
                sys.exit(f"verify-signatures: the {args.kind} signature of {name} does not verify "
                         f"with openssl: {result.stdout.strip()} {result.stderr.strip()}")
    print(f"verify-signatures: {len(signatures)} {args.kind} signatures verify with openssl",
          file=sys.stderr)


main()
