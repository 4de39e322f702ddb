"""Small CA helpers for the AWS emulator: real X.509 with python3-cryptography."""
import datetime
import hashlib
import threading

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa, padding
from cryptography.x509.oid import NameOID, ExtendedKeyUsageOID

UTC = datetime.timezone.utc

EC_CURVES = {
    "EC_prime256v1": ec.SECP256R1,
    "EC_secp384r1": ec.SECP384R1,
    "EC_secp521r1": ec.SECP521R1,
}
RSA_SIZES = {"RSA_1024": 1024, "RSA_2048": 2048, "RSA_3072": 3072, "RSA_4096": 4096}
KEY_ALGS = list(RSA_SIZES) + list(EC_CURVES)

# DescribeCertificate spells key algorithms with a dash.
DESCRIBE_KEY_ALG = {
    "RSA_1024": "RSA-1024", "RSA_2048": "RSA-2048", "RSA_3072": "RSA-3072",
    "RSA_4096": "RSA-4096", "EC_prime256v1": "EC-prime256v1",
    "EC_secp384r1": "EC-secp384r1", "EC_secp521r1": "EC-secp521r1",
}

# RSA generation is slow: keep a small pool per size and reuse it.
_POOL_MAX = {1024: 4, 2048: 4, 3072: 2, 4096: 2}
_pool = {}
_pool_lock = threading.Lock()
_pool_idx = {}


def _rsa_key(bits, reuse=False):
    with _pool_lock:
        lst = _pool.setdefault(bits, [])
        if len(lst) >= _POOL_MAX.get(bits, 2) or (reuse and lst):
            i = _pool_idx.get(bits, 0)
            _pool_idx[bits] = i + 1
            return lst[i % len(lst)]
    k = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    with _pool_lock:
        lst = _pool.setdefault(bits, [])
        if len(lst) < _POOL_MAX.get(bits, 2):
            lst.append(k)
    return k


def prewarm(bits_list=(2048,)):
    def run():
        for b in bits_list:
            for _ in range(_POOL_MAX.get(b, 2)):
                with _pool_lock:
                    if len(_pool.get(b, [])) >= _POOL_MAX.get(b, 2):
                        break
                k = rsa.generate_private_key(public_exponent=65537, key_size=b)
                with _pool_lock:
                    lst = _pool.setdefault(b, [])
                    if len(lst) < _POOL_MAX.get(b, 2):
                        lst.append(k)
    t = threading.Thread(target=run, daemon=True)
    t.start()
    return t


def gen_key(alg, reuse=False):
    if alg in EC_CURVES:
        return ec.generate_private_key(EC_CURVES[alg]())
    if alg in RSA_SIZES:
        return _rsa_key(RSA_SIZES[alg], reuse)
    raise ValueError("unsupported key algorithm %s" % alg)


def key_alg_of(pub):
    """Public (or private) key -> ACM KeyAlgorithm enum, or None if unsupported."""
    if hasattr(pub, "public_key"):
        pub = pub.public_key()
    if isinstance(pub, rsa.RSAPublicKey):
        return {1024: "RSA_1024", 2048: "RSA_2048", 3072: "RSA_3072",
                4096: "RSA_4096"}.get(pub.key_size)
    if isinstance(pub, ec.EllipticCurvePublicKey):
        return {"secp256r1": "EC_prime256v1", "secp384r1": "EC_secp384r1",
                "secp521r1": "EC_secp521r1"}.get(pub.curve.name)
    return None


def now():
    return datetime.datetime.now(UTC)


def serial_to_aws(n):
    """Serial as DescribeCertificate shows it: lower-case hex, two digits a
    byte, colon-separated -- the API reference's example is
    "0f:ac:b0:a3:8d:ea:65:52:2d:7d:01:3a:39:36:db:d6" (awscli's
    examples/acm/describe-certificate.rst): a leading zero nibble is kept
    ("0f", not "f").  The bytes are the integer's magnitude, as OpenSSL's
    `x509 -text` prints them (the ACM PCA RevokeCertificate reference tells
    one to copy the serial from there or from DescribeCertificate): no DER
    00 sign byte is added when the top bit is set ("e8:cb", not
    "00:e8:cb").  A (non-conforming) negative serial gets a "-" prefix."""
    neg = n < 0
    h = "%x" % abs(n)
    if len(h) % 2:
        h = "0" + h
    return ("-" if neg else "") + ":".join(h[i:i + 2] for i in range(0, len(h), 2))


def normalize_serial(s):
    """'0A:1b:..' or '0a1b..' -> int, or None."""
    t = (s or "").replace(":", "").strip().lower()
    if not t or len(t) > 128:
        return None
    try:
        return int(t, 16)
    except ValueError:
        return None


def pem(cert):
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def key_pem(key):
    return key.private_bytes(serialization.Encoding.PEM,
                             serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


def encrypted_key_pem(key, passphrase):
    return key.private_bytes(serialization.Encoding.PEM,
                             serialization.PrivateFormat.PKCS8,
                             serialization.BestAvailableEncryption(passphrase)).decode()


def fingerprint(cert):
    return hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest()


def _hash_for(key):
    if isinstance(key, ec.EllipticCurvePrivateKey) and key.curve.key_size > 256:
        return hashes.SHA384()
    return hashes.SHA256()


def signature_algorithm(cert):
    """AWS spelling, e.g. SHA256WITHRSA / SHA256WITHECDSA."""
    try:
        h = cert.signature_hash_algorithm.name.upper().replace("-", "")
    except Exception:
        h = "SHA256"
    oid = cert.signature_algorithm_oid._name.lower()
    kind = "ECDSA" if "ecdsa" in oid else "RSA"
    return "%sWITH%s" % (h, kind)


def name_from(subject):
    """dict (ASN1Subject-like) or str CN -> x509.Name."""
    if isinstance(subject, str):
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)])
    m = [("Country", NameOID.COUNTRY_NAME), ("Organization", NameOID.ORGANIZATION_NAME),
         ("OrganizationalUnit", NameOID.ORGANIZATIONAL_UNIT_NAME),
         ("State", NameOID.STATE_OR_PROVINCE_NAME), ("Locality", NameOID.LOCALITY_NAME),
         ("CommonName", NameOID.COMMON_NAME)]
    attrs = [x509.NameAttribute(oid, str(subject[k])) for k, oid in m if subject.get(k)]
    if not attrs:
        attrs = [x509.NameAttribute(NameOID.COMMON_NAME, "Emulated Private CA")]
    return x509.Name(attrs)


def make_root(subject, key, days=3650):
    n = now()
    name = name_from(subject)
    b = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
         .public_key(key.public_key()).serial_number(x509.random_serial_number())
         .not_valid_before(n - datetime.timedelta(minutes=5))
         .not_valid_after(n + datetime.timedelta(days=days))
         .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
         .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
         .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False))
    return b.sign(key, _hash_for(key))


def make_intermediate(subject, key, issuer_cert, issuer_key, days=3000):
    n = now()
    b = (x509.CertificateBuilder().subject_name(name_from(subject)).issuer_name(issuer_cert.subject)
         .public_key(key.public_key()).serial_number(x509.random_serial_number())
         .not_valid_before(n - datetime.timedelta(minutes=5))
         .not_valid_after(n + datetime.timedelta(days=days))
         .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
         .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
         .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
         .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), critical=False))
    return b.sign(issuer_key, _hash_for(issuer_key))


def issue_leaf(issuer_cert, issuer_key, pub, domain, sans, not_before, not_after, serial=None):
    names = []
    seen = set()
    for d in [domain] + list(sans or []):
        if d.lower() not in seen:
            seen.add(d.lower())
            names.append(x509.DNSName(d))
    cn = domain if len(domain) <= 64 else domain[:64]
    b = (x509.CertificateBuilder()
         .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)]))
         .issuer_name(issuer_cert.subject).public_key(pub)
         .serial_number(serial or x509.random_serial_number())
         .not_valid_before(not_before).not_valid_after(not_after)
         .add_extension(x509.SubjectAlternativeName(names), critical=False)
         .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
         .add_extension(x509.KeyUsage(True, False, isinstance(pub, rsa.RSAPublicKey), False, False,
                                      False, False, False, False), critical=True)
         .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH,
                                               ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
         .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), critical=False))
    return b.sign(issuer_key, _hash_for(issuer_key))


# ACM's names for the Key Usage bits and the Extended Key Usage OIDs
# (botocore acm model: KeyUsageName, ExtendedKeyUsageName).
_KU_NAMES = (("digital_signature", "DIGITAL_SIGNATURE"), ("content_commitment", "NON_REPUDIATION"),
             ("key_encipherment", "KEY_ENCIPHERMENT"), ("data_encipherment", "DATA_ENCIPHERMENT"),
             ("key_agreement", "KEY_AGREEMENT"), ("key_cert_sign", "CERTIFICATE_SIGNING"),
             ("crl_sign", "CRL_SIGNING"))
_EKU_NAMES = {"1.3.6.1.5.5.7.3.1": "TLS_WEB_SERVER_AUTHENTICATION",
              "1.3.6.1.5.5.7.3.2": "TLS_WEB_CLIENT_AUTHENTICATION",
              "1.3.6.1.5.5.7.3.3": "CODE_SIGNING", "1.3.6.1.5.5.7.3.4": "EMAIL_PROTECTION",
              "1.3.6.1.5.5.7.3.8": "TIME_STAMPING", "1.3.6.1.5.5.7.3.9": "OCSP_SIGNING",
              "1.3.6.1.5.5.7.3.5": "IPSEC_END_SYSTEM", "1.3.6.1.5.5.7.3.6": "IPSEC_TUNNEL",
              "1.3.6.1.5.5.7.3.7": "IPSEC_USER", "2.5.29.37.0": "ANY"}


def key_usages(cert):
    """(KeyUsages names, [(ExtendedKeyUsage name, OID or None)]) of a certificate.

    As ListCertificates shows them (ACM User Guide, "List certificates",
    example of an imported certificate: KeyUsages DIGITAL_SIGNATURE,
    KEY_ENCIPHERMENT; ExtendedKeyUsages ["NONE"] for a certificate without
    the extension).  A certificate without a Key Usage extension is ["ANY"]
    (seen in ListCertificates output of an imported EC certificate)."""
    try:
        ku = cert.extensions.get_extension_for_class(x509.KeyUsage).value
        names = [n for attr, n in _KU_NAMES if getattr(ku, attr)]
        if ku.key_agreement:
            if ku.encipher_only:
                names.append("ENCIPHER_ONLY")
            if ku.decipher_only:
                names.append("DECIPHER_ONLY")
    except x509.ExtensionNotFound:
        names = ["ANY"]
    try:
        eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
        ekus = [(_EKU_NAMES.get(o.dotted_string, "CUSTOM"), o.dotted_string) for o in eku]
    except x509.ExtensionNotFound:
        ekus = [("NONE", None)]
    return names, ekus


def load_cert(data):
    if isinstance(data, str):
        data = data.encode()
    return x509.load_pem_x509_certificate(data)


def load_certs(data):
    """All PEM certificates in a blob (list)."""
    if isinstance(data, bytes):
        data = data.decode("latin-1")
    out = []
    marker = "-----END CERTIFICATE-----"
    for part in data.split(marker)[:-1]:
        i = part.find("-----BEGIN CERTIFICATE-----")
        if i < 0:
            raise ValueError("bad PEM")
        out.append(x509.load_pem_x509_certificate((part[i:] + marker + "\n").encode()))
    return out


def load_key(data):
    if isinstance(data, str):
        data = data.encode()
    return serialization.load_pem_private_key(data, password=None)


def same_public_key(a, b):
    f = serialization.PublicFormat.SubjectPublicKeyInfo
    return (a.public_bytes(serialization.Encoding.DER, f) ==
            b.public_bytes(serialization.Encoding.DER, f))


# Loading a private key and a certificate's public key (OpenSSL checks the
# key each time) was ~2 ms of CPU per import, under the GIL.  Results are
# kept by the exact bytes they came from: a key, a certificate or a chain
# seen before is not parsed again, and every check on the result is still
# made for every request.  Failures are not kept.
_memo = {}
_MEMO_MAX = 4096


def _memoized(k, fn):
    v = _memo.get(k)
    if v is None:
        v = fn()
        if len(_memo) >= _MEMO_MAX:
            _memo.clear()
        _memo[k] = v
    return v


def _spki(pub):
    return pub.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def key_info(data):
    """PEM private key -> (key, KeyAlgorithm or None, public key DER); raises if unparsable."""
    if isinstance(data, str):
        data = data.encode()

    def parse():
        key = load_key(data)
        pub = key.public_key()
        return key, key_alg_of(pub), _spki(pub)
    return _memoized(("key", bytes(data)), parse)


def cert_key_info(cert):
    """Certificate -> (KeyAlgorithm or None, public key DER)."""
    def parse():
        pub = cert.public_key()
        return key_alg_of(pub), _spki(pub)
    return _memoized(("cert", cert.public_bytes(serialization.Encoding.DER)), parse)


def verify_signed_by(cert, issuer):
    """True if cert's signature verifies with issuer's public key."""
    der = serialization.Encoding.DER
    return _memoized(("sig", cert.public_bytes(der), issuer.public_bytes(der)),
                     lambda: _verify_signed_by(cert, issuer))


def _verify_signed_by(cert, issuer):
    pub = issuer.public_key()
    try:
        if isinstance(pub, rsa.RSAPublicKey):
            pub.verify(cert.signature, cert.tbs_certificate_bytes, padding.PKCS1v15(),
                       cert.signature_hash_algorithm)
        elif isinstance(pub, ec.EllipticCurvePublicKey):
            pub.verify(cert.signature, cert.tbs_certificate_bytes,
                       ec.ECDSA(cert.signature_hash_algorithm))
        else:
            return False
        return True
    except Exception:
        return False


def cert_names(cert):
    """(domain, [sans]) of a certificate."""
    cn = None
    try:
        attrs = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
        if attrs:
            cn = attrs[0].value
    except Exception:
        pass
    sans = []
    try:
        ext = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName)
        sans = ext.value.get_values_for_type(x509.DNSName)
    except x509.ExtensionNotFound:
        pass
    domain = cn or (sans[0] if sans else "")
    if domain and domain not in sans:
        sans = [domain] + sans
    return domain, sans


def not_before(cert):
    return getattr(cert, "not_valid_before_utc", None) or cert.not_valid_before.replace(tzinfo=UTC)


def not_after(cert):
    return getattr(cert, "not_valid_after_utc", None) or cert.not_valid_after.replace(tzinfo=UTC)


def subject_str(name):
    try:
        return name.rfc4514_string()
    except Exception:
        return ""


class AmazonCA:
    """The emulated public 'Amazon' chains.  Like Amazon Trust Services, the
    issuing CA follows the requested key: RSA keys are signed by an RSA
    intermediate ("Amazon RSA 2048 M0x" under "Amazon Root CA 1": the
    certificate's SignatureAlgorithm is SHA256WITHRSA, as in the
    DescribeCertificate example of an RSA-2048 certificate in awscli's
    examples/acm/describe-certificate.rst), P-256 keys by an ECDSA P-256
    one and P-384 keys by an ECDSA P-384 one (SHA384WITHECDSA).  cert/key/
    chain_pem are the P-256 chain (seeded inventories, IAM); the others are
    made on first use (RSA generation is slow)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._chains = {}
        self.root_key = ec.generate_private_key(ec.SECP256R1())
        self.root = make_root({"Country": "US", "Organization": "Amazon",
                               "CommonName": "Amazon Root CA 3 (emulated)"}, self.root_key)
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.cert = make_intermediate({"Country": "US", "Organization": "Amazon",
                                       "CommonName": "Amazon ECDSA 256 M01 (emulated)"},
                                      self.key, self.root, self.root_key)
        self.chain_pem = pem(self.cert) + pem(self.root)
        self._chains["EC256"] = (self.cert, self.key, self.chain_pem)

    def for_key(self, key_alg):
        """(intermediate cert, its key, chain PEM) that signs a key_alg leaf."""
        kind = "RSA" if key_alg.startswith("RSA") else ("EC384" if key_alg in ("EC_secp384r1", "EC_secp521r1")
                                                         else "EC256")
        with self._lock:
            ch = self._chains.get(kind)
            if ch is None:
                if kind == "RSA":
                    rk = rsa.generate_private_key(public_exponent=65537, key_size=2048)
                    ik = rsa.generate_private_key(public_exponent=65537, key_size=2048)
                    rn, inn = "Amazon Root CA 1 (emulated)", "Amazon RSA 2048 M01 (emulated)"
                else:
                    rk = ec.generate_private_key(ec.SECP384R1())
                    ik = ec.generate_private_key(ec.SECP384R1())
                    rn, inn = "Amazon Root CA 4 (emulated)", "Amazon ECDSA 384 M01 (emulated)"
                root = make_root({"Country": "US", "Organization": "Amazon", "CommonName": rn}, rk)
                ic = make_intermediate({"Country": "US", "Organization": "Amazon", "CommonName": inn},
                                       ik, root, rk)
                ch = self._chains[kind] = (ic, ik, pem(ic) + pem(root))
            return ch
