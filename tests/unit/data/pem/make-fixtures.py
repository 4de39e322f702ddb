#!/usr/bin/python3
#
# Generate the PEM/X.509 fixtures used by tests/unit/test_pem.c.
#
# Run once and commit the output; the tests do not run this script.
# Certificates are valid for 20 years from the time of generation (one
# deliberately expired certificate excepted) so the tests do not rot.
# Expected values (fingerprints, serials, dates) are computed here with
# python-cryptography and written to expected.txt as "file field value".
#
# usage: make-fixtures.py [outdir]	(default: the script's directory)

import base64
import datetime
import ipaddress
import os
import sys

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.oid import NameOID

PASSPHRASE = b"correct horse battery staple"
DAY = datetime.timedelta(days=1)
NOW = datetime.datetime.utcnow().replace(microsecond=0)
NOT_BEFORE = NOW - DAY
NOT_AFTER = NOW + 20 * 365 * DAY

outdir = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(
    os.path.abspath(__file__))
expected = []


def write(name, data):
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(outdir, name), "wb") as f:
        f.write(data)


def pem(cert):
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def name(cn, org=None, country=None):
    attrs = []
    if country:
        attrs.append(x509.NameAttribute(NameOID.COUNTRY_NAME, country))
    if org:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, org))
    attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, cn))
    return x509.Name(attrs)


def key_pem(key, fmt, password=None):
    formats = {
        "pkcs8": serialization.PrivateFormat.PKCS8,
        "trad": serialization.PrivateFormat.TraditionalOpenSSL,
    }
    if password is None:
        enc = serialization.NoEncryption()
    else:
        enc = serialization.BestAvailableEncryption(password)
    return key.private_bytes(serialization.Encoding.PEM, formats[fmt], enc)


def der_parse(b):
    """Split DER into (tag, content) TLVs; constructed ones as lists."""
    out = []
    while b:
        tag, n, off = b[0], b[1], 2
        if n & 0x80:
            off = 2 + (n & 0x7f)
            n = int.from_bytes(b[2:off], "big")
        content = b[off:off + n]
        out.append((tag, der_parse(content) if tag & 0x20 else content))
        b = b[off + n:]
    return out


def der_encode(tlvs):
    out = b""
    for tag, content in tlvs:
        if isinstance(content, list):
            content = der_encode(content)
        n = len(content)
        if n < 0x80:
            length = bytes([n])
        else:
            nb = n.to_bytes((n.bit_length() + 7) // 8, "big")
            length = bytes([0x80 | len(nb)]) + nb
        out += bytes([tag]) + length + content
    return out


def set_pbkdf2_iter(pem_key, iterations):
    """Rewrite the PBKDF2 iteration count of an encrypted PKCS#8 key."""
    lines = pem_key.decode().strip().split("\n")
    der = base64.b64decode("".join(lines[1:-1]))
    tlv = der_parse(der)
    # EncryptedPrivateKeyInfo.alg.params(PBES2).kdf.params(PBKDF2).iter
    kdfparams = tlv[0][1][0][1][1][1][0][1][1][1]
    kdfparams[1] = (0x02, iterations.to_bytes(4, "big"))
    b64 = base64.encodebytes(der_encode(tlv)).decode().replace("\n", "")
    body = "\n".join(b64[i:i + 64] for i in range(0, len(b64), 64))
    return ("%s\n%s\n%s\n" % (lines[0], body, lines[-1])).encode()


def make_cert(subject, key, issuer, issuer_key, serial=None, ca=False,
              pathlen=None, sans=None, not_before=NOT_BEFORE,
              not_after=NOT_AFTER):
    b = x509.CertificateBuilder()
    b = b.subject_name(subject).issuer_name(issuer)
    b = b.public_key(key.public_key())
    b = b.serial_number(serial or x509.random_serial_number())
    b = b.not_valid_before(not_before).not_valid_after(not_after)
    b = b.add_extension(x509.BasicConstraints(ca=ca, path_length=pathlen),
                        critical=True)
    if ca:
        b = b.add_extension(x509.KeyUsage(
            digital_signature=True, content_commitment=False,
            key_encipherment=False, data_encipherment=False,
            key_agreement=False, key_cert_sign=True, crl_sign=True,
            encipher_only=False, decipher_only=False), critical=True)
    b = b.add_extension(x509.SubjectKeyIdentifier.from_public_key(
        key.public_key()), critical=False)
    b = b.add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
        issuer_key.public_key()), critical=False)
    if sans:
        b = b.add_extension(x509.SubjectAlternativeName(sans),
                            critical=False)
    if isinstance(issuer_key, ed25519.Ed25519PrivateKey):
        algo = None
    elif isinstance(issuer_key, ec.EllipticCurvePrivateKey):
        algo = hashes.SHA384()
    else:
        algo = hashes.SHA256()
    return b.sign(issuer_key, algo)


def record(fname, cert):
    der = cert.public_bytes(serialization.Encoding.DER)
    h256 = hashes.Hash(hashes.SHA256())
    h256.update(der)
    h1 = hashes.Hash(hashes.SHA1())
    h1.update(der)
    serial = cert.serial_number.to_bytes(
        max(1, (cert.serial_number.bit_length() + 7) // 8), "big")
    epoch = datetime.datetime(1970, 1, 1)
    expected.append((fname, "sha256", h256.finalize().hex()))
    expected.append((fname, "sha1", h1.finalize().hex()))
    expected.append((fname, "serial", ":".join("%02x" % c for c in serial)))
    expected.append((fname, "not_before",
                     str(int((cert.not_valid_before - epoch).total_seconds()))))
    expected.append((fname, "not_after",
                     str(int((cert.not_valid_after - epoch).total_seconds()))))


# The CA hierarchy: RSA-2048 root, EC P-384 intermediate.
root_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
root_name = name("acmd Test Root CA", "acmd tests", "FR")
root = make_cert(root_name, root_key, root_name, root_key, ca=True,
                 not_after=NOT_AFTER + 30 * DAY)
inter_key = ec.generate_private_key(ec.SECP384R1())
inter_name = name("acmd Test Intermediate CA", "acmd tests", "FR")
inter = make_cert(inter_name, inter_key, root_name, root_key, ca=True,
                  pathlen=0, not_after=NOT_AFTER + 15 * DAY)
write("root.crt", pem(root))
write("inter.crt", pem(inter))
record("root.crt", root)
record("inter.crt", inter)

# One leaf per key type, signed by the intermediate.
leaves = {}
keys = {
    "rsa1024": rsa.generate_private_key(65537, 1024),
    "rsa2048": rsa.generate_private_key(65537, 2048),
    "rsa3072": rsa.generate_private_key(65537, 3072),
    "rsa4096": rsa.generate_private_key(65537, 4096),
    "ec256": ec.generate_private_key(ec.SECP256R1()),
    "ec384": ec.generate_private_key(ec.SECP384R1()),
    "ec521": ec.generate_private_key(ec.SECP521R1()),
    "ed25519": ed25519.Ed25519PrivateKey.generate(),
}
serials = {
    "rsa2048": 0x0a1b2c3d4e5f6071,
    "ec256": 0xe8cbd2bedb122329f97706bcfec990f8,
    "ec384": 1,
}
for kt, key in keys.items():
    sans = [x509.DNSName("%s.example.test" % kt)]
    subject = name("%s.example.test" % kt)
    if kt == "rsa2048":
        subject = name("www.example.test", "Example, Inc.", "US")
        sans = [
            x509.DNSName("www.example.test"),
            x509.DNSName("example.test"),
            x509.IPAddress(ipaddress.ip_address("192.0.2.1")),
            x509.IPAddress(ipaddress.ip_address("2001:db8::1")),
            x509.RFC822Name("hostmaster@example.test"),
        ]
    cert = make_cert(subject, key, inter_name, inter_key,
                     serial=serials.get(kt), sans=sans)
    leaves[kt] = cert
    write("leaf-%s.crt" % kt, pem(cert))
    record("leaf-%s.crt" % kt, cert)

# Keys in every supported encoding.
write("rsa1024.key", key_pem(keys["rsa1024"], "pkcs8"))
write("rsa2048.key", key_pem(keys["rsa2048"], "trad"))		# PKCS#1
write("rsa3072.key", key_pem(keys["rsa3072"], "pkcs8"))
write("rsa4096.key", key_pem(keys["rsa4096"], "pkcs8"))
write("ec256.key", key_pem(keys["ec256"], "trad"))		# SEC1
write("ec384.key", key_pem(keys["ec384"], "pkcs8"))
write("ec521.key", key_pem(keys["ec521"], "pkcs8"))
write("ed25519.key", key_pem(keys["ed25519"], "pkcs8"))
write("secp256k1.key", key_pem(ec.generate_private_key(ec.SECP256K1()),
                               "pkcs8"))
write("rsa2048-enc.key", key_pem(keys["rsa2048"], "pkcs8", PASSPHRASE))
write("ec384-trad-enc.key", key_pem(keys["ec384"], "trad", PASSPHRASE))
write("rsa2048-enc-slowkdf.key", set_pbkdf2_iter(
    key_pem(keys["rsa2048"], "pkcs8", PASSPHRASE), 0x7fffffff))
write("passphrase.txt", PASSPHRASE + b"\n")

# A deliberately expired certificate (2020-01-01 to 2021-01-01).
exp_key = ec.generate_private_key(ec.SECP256R1())
expired = make_cert(name("expired.example.test"), exp_key, inter_name,
                    inter_key, sans=[x509.DNSName("expired.example.test")],
                    not_before=datetime.datetime(2020, 1, 1),
                    not_after=datetime.datetime(2021, 1, 1))
write("expired.crt", pem(expired))
record("expired.crt", expired)

# Bundles.
leaf = leaves["rsa2048"]
write("leaf.der", leaf.public_bytes(serialization.Encoding.DER))
write("fullchain.pem", pem(leaf) + pem(inter) + pem(root))
write("chain.pem", pem(inter) + pem(root))
write("bundle-reversed.pem", pem(root) + pem(inter) + pem(leaf))
write("bundle-junk.pem",
      "# output of openssl s_client -showcerts, edited\n"
      "subject=CN = acmd Test Intermediate CA, O = acmd tests, C = FR\n"
      "issuer=CN = acmd Test Root CA, O = acmd tests, C = FR\n"
      + pem(inter) +
      "\n---\nsubject=C = US, O = \"Example, Inc.\", CN = www.example.test\n"
      "issuer=CN = acmd Test Intermediate CA\n\n"
      + pem(leaf) +
      "Bag Attributes\n    friendlyName: root\n"
      + pem(root) + "trailing junk\n")
write("bundle-with-key.pem", pem(leaf) + key_pem(keys["rsa2048"],
                                                 "pkcs8").decode())
write("bundle-11.pem", "".join(pem(c) for c in leaves.values()) +
      pem(expired) + pem(inter) + pem(root))

with open(os.path.join(outdir, "expected.txt"), "w") as f:
    f.write("# generated by make-fixtures.py; file field value\n")
    for e in expected:
        f.write("%s %s %s\n" % e)
