#!/usr/bin/python3
"""Differential test: acmd's SigV4 signer against botocore's SigV4Auth.

Usage: /usr/bin/python3 sigv4_diff.py PATH-TO-sigv4_tool [COUNT [SEED]]

Generates random requests with a fixed seed, signs each with botocore
(clock fixed by replacing botocore.auth's datetime) and with the C tool,
and compares X-Amz-Date, X-Amz-Security-Token, X-Amz-Content-SHA256 and
Authorization.  A few requests the C signer must refuse are mixed in.
Prints TAP; exits non-zero on any mismatch.
"""

import datetime
import hashlib
import random
import subprocess
import sys
from urllib.parse import quote

import botocore.auth
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

SIGV4_CONTENT_SHA256 = 0x1

_real_datetime = datetime.datetime


class _Clock(_real_datetime):
    fixed = None

    @classmethod
    def utcnow(cls):
        return cls.fixed


class _DatetimeModule:
    datetime = _Clock


# botocore 1.29 calls datetime.datetime.utcnow() in SigV4Auth.add_auth.
botocore.auth.datetime = _DatetimeModule

UNICODE = ['\u00e9', '\u00fc', '\u1234', '\u4e2d', '\U0001f600', '\u00a0']
PATH_CHARS = (list('abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'
                   '0123456789-_.~') + list("!$&'()*+,;=:@ %[]{}|\\^`\"<>")
              + ['%2F', '%41', '%20', '%25'] + UNICODE)
QUERY_CHARS = (list('abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUV'
                    '0123456789-_.~') + list("!$&'()*+,;=:@ %/?#[]")
               + UNICODE)
TCHARS = ('abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'
          "!#$%&'*+-.^_`|~")
VALUE_CHARS = ''.join(chr(c) for c in range(0x21, 0x7f))
B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
REGIONS = ['us-east-1', 'us-west-2', 'eu-west-1', 'eu-central-1',
           'ap-southeast-2', 'cn-north-1', 'us-gov-west-1']
SERVICES = ['acm', 'acm-pca', 'iam', 'route53', 'sts', 'service', 'ec2',
            'execute-api']
HEADER_NAMES = ['Content-Type', 'X-Amz-Target', 'Accept', 'My-Header1',
                'my-header1', 'MY-HEADER1', 'X-Amz-Meta-Foo', 'Content-MD5',
                'If-Match', 'x-amz-acl']


def rstr(rnd, pool, lo, hi):
    return ''.join(rnd.choice(pool) for _ in range(rnd.randint(lo, hi)))


def gen_path(rnd):
    segs = []
    for _ in range(rnd.randint(0, 6)):
        r = rnd.random()
        if r < 0.12:
            segs.append('')
        elif r < 0.22:
            segs.append('.')
        elif r < 0.32:
            segs.append('..')
        else:
            segs.append(rstr(rnd, PATH_CHARS, 1, 8))
    path = '/' + '/'.join(segs)
    if segs and rnd.random() < 0.3:
        path += '/'
    return path


def enc(s):
    return quote(s, safe='-_.~')


def gen_query(rnd):
    r = rnd.random()
    if r < 0.25:
        return None
    if r < 0.3:
        return ''
    keys, parts = [], []
    for _ in range(rnd.randint(1, 6)):
        if keys and rnd.random() < 0.3:
            k = rnd.choice(keys)
        else:
            k = rstr(rnd, QUERY_CHARS, 1, 6)
            keys.append(k)
        v = '' if rnd.random() < 0.2 else rstr(rnd, QUERY_CHARS, 1, 8)
        if v == '' and rnd.random() < 0.5:
            parts.append(enc(k))
        else:
            parts.append(enc(k) + '=' + enc(v))
    return '&'.join(parts)


def gen_value(rnd):
    words = [rstr(rnd, VALUE_CHARS, 1, 6) for _ in range(rnd.randint(0, 4))]
    out = rstr(rnd, ' \t', 0, 3)
    for w in words:
        out += w + rstr(rnd, ' \t', 1, 4)
    if rnd.random() < 0.5:
        out = out.rstrip(' \t')
    return out


def gen_headers(rnd, token):
    host = rnd.choice(['example.amazonaws.com', 'acm.eu-west-1.amazonaws.com',
                       'route53.amazonaws.com', 'localhost:8443'])
    hname = rnd.choice(['Host', 'host', 'HOST'])
    hvalue = rstr(rnd, ' \t', 0, 2) + host + rstr(rnd, ' \t', 0, 2)
    headers = [(hname, hvalue)]
    for _ in range(rnd.randint(0, 6)):
        r = rnd.random()
        if r < 0.45:
            name = rnd.choice(HEADER_NAMES)
        elif r < 0.75:
            name = rstr(rnd, TCHARS, 1, 12)
        elif r < 0.8:
            name = rnd.choice(['User-Agent', 'Expect', 'X-Amzn-Trace-Id'])
        elif r < 0.85:
            name = rnd.choice(['Authorization', 'X-Amz-Date'])
        elif r < 0.9:
            name = 'X-Amz-Security-Token'
        elif r < 0.95:
            headers.append(('X-Amz-Content-SHA256',
                            rnd.choice(['UNSIGNED-PAYLOAD',
                                        ' UNSIGNED-PAYLOAD ',
                                        rstr(rnd, '0123456789abcdef',
                                             64, 64)])))
            continue
        else:
            name = rnd.choice(headers)[0].swapcase()
        if name.lower() == 'date':
            continue
        headers.append((name, gen_value(rnd)))
    rnd.shuffle(headers)
    return headers


def gen_case(rnd):
    token = None
    if rnd.random() < 0.4:
        token = rstr(rnd, B64, 16, 300)
    region = rnd.choice(REGIONS + [rstr(rnd, 'abcdefghijklmnopqrstuvwxyz-'
                                        '0123456789', 1, 15)])
    service = rnd.choice(SERVICES + [rstr(rnd, 'abcdefghijklmnopqrstuvwxyz-',
                                          1, 12)])
    if service == 's3':
        service = 'sss'
    secret = rstr(rnd, B64, 40, 40)
    if rnd.random() < 0.05:
        secret += rnd.choice(UNICODE)
    body = b''
    if rnd.random() < 0.6:
        body = bytes(rnd.randrange(256) for _ in range(rnd.randint(1, 300)))
    return {
        'method': rnd.choice(['GET', 'POST', 'PUT', 'DELETE', 'HEAD', 'PATCH',
                              'get', 'Post']),
        'path': gen_path(rnd),
        'query': gen_query(rnd),
        'body': body,
        'ak': 'AKIA' + rstr(rnd, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', 16, 16),
        'sk': secret,
        'token': token,
        'region': region,
        'service': service,
        'time': rnd.randrange(0, 2**31),
        'flags': SIGV4_CONTENT_SHA256 if rnd.random() < 0.15 else 0,
        'headers': gen_headers(rnd, token),
        'error': None,
    }


def error_cases(rnd):
    """Requests the C signer must refuse (botocore would sign them)."""
    bad = [
        ('no host header', {'headers': [('X-Foo', 'bar')]}),
        ('date header', {'headers': [('Host', 'h'),
                                     ('Date', 'Sun, 30 Aug 2015 12:36:00')]}),
        ('newline in header value',
         {'headers': [('Host', 'h'), ('My-Header1', 'a\n  b')]}),
        ('non-ascii header value',
         {'headers': [('Host', 'h'), ('My-Header1', 'caf\u00e9')]}),
        ('space in header name', {'headers': [('Host', 'h'), ('A B', 'c')]}),
        ('unencoded space in query', {'query': 'a=b c'}),
        ('lower-case escape in query', {'query': 'a=%2f'}),
        ('unencoded slash in query', {'query': 'a=b/c'}),
        ('plus in query', {'query': 'a=b+c'}),
        ('equals in query value', {'query': 'a=b=c'}),
        ('empty query name', {'query': '=v'}),
        ('empty query pair', {'query': 'a=1&&b=2'}),
        ('truncated escape in query', {'query': 'a=%4'}),
        ('hash in path', {'path': '/a#b'}),
        ('question mark in path', {'path': '/a?b'}),
        ('relative path', {'path': 'a/b'}),
        ('empty path', {'path': ''}),
        ('control character in path', {'path': '/a\x01b'}),
        ('bad method', {'method': 'G T'}),
        ('empty region', {'region': ''}),
        ('empty secret key', {'sk': ''}),
    ]
    out = []
    for what, over in bad:
        c = gen_case(rnd)
        c.update(over)
        c['error'] = what
        out.append(c)
    return out


def botocore_sign(c):
    _Clock.fixed = _real_datetime.utcfromtimestamp(c['time'])
    url = 'https://example.amazonaws.com' + c['path']
    if c['query'] is not None:
        url += '?' + c['query']
    req = AWSRequest(method=c['method'], url=url, data=c['body'])
    for name, value in c['headers']:
        req.headers[name] = value
    if c['flags'] & SIGV4_CONTENT_SHA256:
        del req.headers['X-Amz-Content-SHA256']
        req.headers['X-Amz-Content-SHA256'] = \
            hashlib.sha256(c['body']).hexdigest()
    creds = Credentials(c['ak'], c['sk'], c['token'])
    SigV4Auth(creds, c['service'], c['region']).add_auth(req)
    h = req.headers
    content = '-'
    if c['flags'] & SIGV4_CONTENT_SHA256:
        content = h['X-Amz-Content-SHA256']
    return ['OK', h['X-Amz-Date'], h.get('X-Amz-Security-Token') if
            c['token'] else '-', content, h['Authorization']]


def hexf(s):
    if s is None:
        return '-'
    if isinstance(s, str):
        s = s.encode('utf-8')
    return s.hex()


def tool_line(c):
    f = [hexf(c['method']), hexf(c['path']), hexf(c['query']),
         hexf(c['body']), hexf(c['ak']), hexf(c['sk']), hexf(c['token']),
         hexf(c['region']), hexf(c['service']), str(c['time']),
         str(c['flags'])]
    for name, value in c['headers']:
        f += [hexf(name), hexf(value)]
    return '\t'.join(f)


def describe(c):
    return ('%s %r query=%r headers=%r token=%s region=%s service=%s '
            'time=%d flags=%d bodylen=%d' % (
                c['method'], c['path'], c['query'], c['headers'],
                'yes' if c['token'] else 'no', c['region'], c['service'],
                c['time'], c['flags'], len(c['body'])))


def main():
    if len(sys.argv) < 2:
        sys.stderr.write('usage: sigv4_diff.py sigv4_tool [count [seed]]\n')
        return 2
    tool = sys.argv[1]
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 400
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else 20150830

    rnd = random.Random(seed)
    cases = [gen_case(rnd) for _ in range(count)] + error_cases(rnd)
    stdin = ''.join(tool_line(c) + '\n' for c in cases)
    proc = subprocess.run([tool], input=stdin.encode(), capture_output=True,
                          check=False)
    got = proc.stdout.decode('utf-8', 'replace').split('\n')

    print('1..%d' % (len(cases) + 1))
    failed = 0
    if proc.returncode != 0:
        print('not ok 1 - sigv4_tool exit status %d' % proc.returncode)
        for line in proc.stderr.decode('utf-8', 'replace').splitlines():
            print('# ' + line)
        failed += 1
    else:
        print('ok 1 - sigv4_tool ran')
    for i, c in enumerate(cases):
        n = i + 2
        out = got[i].split('\t') if i < len(got) else ['MISSING']
        if c['error'] is not None:
            if out[0] == 'ERROR':
                print('ok %d - refused: %s (%s)' % (n, c['error'], out[1]))
            else:
                failed += 1
                print('not ok %d - not refused: %s' % (n, c['error']))
                print('# request: ' + describe(c))
                print('# got: %r' % got[i:i + 1])
            continue
        want = botocore_sign(c)
        if out == want:
            print('ok %d - %s %s' % (n, c['method'], want[4][-16:]))
        else:
            failed += 1
            print('not ok %d - mismatch' % n)
            print('# request: ' + describe(c))
            print('# botocore: %r' % '\t'.join(want))
            print('# sigv4:    %r' % (got[i] if i < len(got) else None))
    print('# %d of %d failed' % (failed, len(cases) + 1))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
