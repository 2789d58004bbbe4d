#!/usr/bin/python3
"""An independent WinRM client for the sealing responder's tests: runs one command in a WinRS
shell with every message sealed, and prints what came back as JSON on stdout.

NTLM goes through Debian's python3-winrm (pywinrm 0.3.0, requests_ntlm) with
message_encryption='always', untouched. Kerberos goes through pywinrm too when the installed
pykerberos has pywinrm's sealing functions (authGSSWinRMEncryptMessage); Debian's 1.1.14 has not,
so then pywinrm's SOAP layer (Protocol) runs over a transport written here with python3-gssapi,
which frames messages as pywinrm's encryption.py and seals them as pyspnego's wrap_winrm does:
gss_wrap_iov with HEADER, DATA and PADDING; the header after the 4-byte length, then DATA+PADDING.

The account comes from the environment (WINRM_TEST_USER, WINRM_TEST_PASSWORD), never argv.
--tamper spoils the first sealed message: 'seal' flips a sealed byte, 'signature' a signature
byte, 'length' makes Length= one more than the truth.

Output: {"path": ..., "std_out": ..., "std_err": ..., "status_code": N} or {"path": ..., "error": ...}
(exit status 2 then).
"""

import argparse
import base64
import json
import os
import struct
import sys

import requests
import winrm
import winrm.encryption
from winrm.protocol import Protocol

BOUNDARY = b"--Encrypted Boundary"
PROTOCOL = b"application/HTTP-SPNEGO-session-encrypted"
CONTENT_TYPE = 'multipart/encrypted;protocol="application/HTTP-SPNEGO-session-encrypted";boundary="Encrypted Boundary"'


class Tamper:
    """Spoils the first message it is given, as --tamper says."""

    def __init__(self, how):
        self.how = how
        self.done = how == "none"

    def length(self, length):
        if self.how == "length" and not self.done:
            return length + 1
        return length

    def parts(self, signature, sealed):
        if self.done or self.how == "length":
            return signature, sealed
        if self.how == "seal":
            sealed = sealed[:-1] + bytes([sealed[-1] ^ 0x01])
        elif self.how == "signature":
            signature = signature[:-1] + bytes([signature[-1] ^ 0x01])
        return signature, sealed

    def sent(self):
        self.done = True


def frame(plain_length, signature, sealed):
    return (BOUNDARY + b"\r\n\tContent-Type: " + PROTOCOL + b"\r\n"
            b"\tOriginalContent: type=application/soap+xml;charset=UTF-8;Length=" + str(plain_length).encode() + b"\r\n" +
            BOUNDARY + b"\r\n\tContent-Type: application/octet-stream\r\n" +
            struct.pack("<I", len(signature)) + signature + sealed + BOUNDARY + b"--\r\n")


def unframe(body):
    """(declared length, signature, sealed) of a sealed body."""
    parts = body.split(BOUNDARY + b"\r\n")
    header, payload = parts[1], parts[2]
    length = int(header.split(b"Length=")[1].strip())
    payload = payload.replace(b"\tContent-Type: application/octet-stream\r\n", b"", 1)
    if payload.endswith(BOUNDARY + b"--\r\n"):
        payload = payload[:-len(BOUNDARY + b"--\r\n")]
    (signature_length,) = struct.unpack("<I", payload[:4])
    return length, payload[4:4 + signature_length], payload[4 + signature_length:]


class GssapiKerberosTransport:
    """What pywinrm's Protocol needs of a transport (send_message), over one kept-alive
    connection: a Kerberos (or SPNEGO) handshake on an empty POST, then sealed messages."""

    def __init__(self, endpoint, service_host, mech, delegate, tamper):
        import gssapi
        self.gssapi = gssapi
        self.endpoint = endpoint
        self.tamper = tamper
        self.session = requests.Session()
        self.session.trust_env = False
        flags = (gssapi.RequirementFlag.mutual_authentication | gssapi.RequirementFlag.integrity |
                 gssapi.RequirementFlag.confidentiality | gssapi.RequirementFlag.out_of_sequence_detection)
        if delegate:
            flags |= gssapi.RequirementFlag.delegate_to_peer
        mech_oid = gssapi.MechType.kerberos if mech == "krb5" else gssapi.OID.from_int_seq("1.3.6.1.5.5.2")
        name = gssapi.Name("HTTP@" + service_host, gssapi.NameType.hostbased_service)
        self.context = gssapi.SecurityContext(name=name, mech=mech_oid, usage="initiate", flags=flags)
        self.authenticated = False

    def _handshake(self):
        token = self.context.step()
        while True:
            response = self.session.post(self.endpoint, data=b"",
                                         headers={"Authorization": "Negotiate " + base64.b64encode(token).decode()})
            answer = None
            for value in response.headers.get("WWW-Authenticate", "").split(","):
                value = value.strip()
                if value.startswith("Negotiate ") or value.startswith("Kerberos "):
                    answer = base64.b64decode(value.split(" ", 1)[1])
            if response.status_code == 200:
                if not self.context.complete:
                    if answer is None:
                        raise RuntimeError("the server accepted without the mutual-authentication token")
                    self.context.step(answer)
                break
            if response.status_code != 401 or answer is None:
                raise RuntimeError("handshake refused: HTTP %d" % response.status_code)
            token = self.context.step(answer)
        if not self.context.complete:
            raise RuntimeError("the handshake ended before the context was complete")
        self.authenticated = True

    def send_message(self, message):
        from gssapi.raw import IOV, IOVBufferType, unwrap_iov, wrap_iov
        if not self.authenticated:
            self._handshake()
        if isinstance(message, str):
            message = message.encode("utf-8")
        iov = IOV(IOVBufferType.header, message, IOVBufferType.padding, std_layout=False)
        wrap_iov(self.context, iov, confidential=True)
        signature, sealed = self.tamper.parts(iov[0].value, iov[1].value + (iov[2].value or b""))
        body = frame(self.tamper.length(len(message)), signature, sealed)
        self.tamper.sent()
        response = self.session.post(self.endpoint, data=body, headers={"Content-Type": CONTENT_TYPE})
        if response.status_code not in (200, 500):
            raise winrm.exceptions.WinRMTransportError("http", response.status_code, response.text)
        if "multipart/encrypted" not in response.headers.get("Content-Type", ""):
            raise RuntimeError("the answer came in clear: %s" % response.headers.get("Content-Type", ""))
        length, signature, sealed = unframe(response.content)
        iov = IOV((IOVBufferType.header, False, signature), sealed, std_layout=False)
        unwrap_iov(self.context, iov)
        plain = iov[1].value
        if len(plain) != length:
            raise RuntimeError("the answer's Length= %d is not its unsealed size %d" % (length, len(plain)))
        if response.status_code == 500:
            raise winrm.exceptions.WinRMTransportError("http", 500, plain.decode("utf-8"))
        return plain


def tamper_pywinrm(tamper):
    """Spoils pywinrm's first sealed message through its own Encryption class."""
    build = winrm.encryption.Encryption._build_ntlm_message

    def build_ntlm(self, message, host):
        stream = build(self, message, host)
        (signature_length,) = struct.unpack("<i", stream[:4])
        signature, sealed = tamper.parts(stream[4:4 + signature_length], stream[4 + signature_length:])
        return stream[:4] + signature + sealed

    encrypt = winrm.encryption.Encryption._encrypt_message

    def encrypt_message(self, message, host):
        payload = encrypt(self, message, host)
        if tamper.how == "length" and not tamper.done:
            true = b"Length=" + str(len(message)).encode() + b"\r\n"
            payload = payload.replace(true, b"Length=" + str(tamper.length(len(message))).encode() + b"\r\n", 1)
        tamper.sent()
        return payload

    winrm.encryption.Encryption._build_ntlm_message = build_ntlm
    winrm.encryption.Encryption._encrypt_message = encrypt_message


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--transport", choices=["ntlm", "kerberos"], required=True)
    parser.add_argument("--service-host", default="127.0.0.1", help="the host of HTTP/<host> (Kerberos)")
    parser.add_argument("--mech", choices=["krb5", "spnego"], default="krb5", help="the GSS-API mechanism (Kerberos)")
    parser.add_argument("--delegate", action="store_true")
    parser.add_argument("--tamper", choices=["none", "seal", "signature", "length"], default="none")
    parser.add_argument("--stdin", default=None, help="text sent to the command's stdin")
    parser.add_argument("--ca-file", default=None, help="HTTPS: the CA (or self-signed certificate) to trust")
    parser.add_argument("--no-cbt", action="store_true", help="HTTPS: send no channel bindings (NTLM)")
    parser.add_argument("command")
    parser.add_argument("arguments", nargs="*")
    options = parser.parse_args()
    tamper = Tamper(options.tamper)

    path = "pywinrm-" + options.transport
    try:
        if options.transport == "ntlm":
            tamper_pywinrm(tamper)
            # Sealed over HTTP; over HTTPS as pywinrm does by default: in clear inside TLS, the NTLM
            # authentication bound to the server's certificate (requests_ntlm's send_cbt).
            https = options.endpoint.startswith("https:")
            protocol = Protocol(options.endpoint, transport="ntlm", username=os.environ.get("WINRM_TEST_USER", ""),
                                password=os.environ.get("WINRM_TEST_PASSWORD", ""),
                                message_encryption="auto" if https else "always", ca_trust_path=options.ca_file,
                                send_cbt=not options.no_cbt)
        else:
            import kerberos
            if hasattr(kerberos, "authGSSWinRMEncryptMessage") and options.mech == "krb5" and not options.delegate:
                tamper_pywinrm(tamper)
                protocol = Protocol(options.endpoint, transport="kerberos", message_encryption="always",
                                    kerberos_hostname_override=options.service_host)
            else:
                path = "gssapi-" + options.mech
                protocol = Protocol(options.endpoint, transport="plaintext", username="unused", password="unused")
                protocol.transport = GssapiKerberosTransport(options.endpoint, options.service_host, options.mech,
                                                             options.delegate, tamper)
        shell = protocol.open_shell()
        command = protocol.run_command(shell, options.command, options.arguments)
        if options.stdin is not None:
            send_input(protocol, shell, command, options.stdin)
        std_out, std_err, status_code = protocol.get_command_output(shell, command)
        protocol.cleanup_command(shell, command)
        protocol.close_shell(shell)
    except Exception as error:  # the test reads what failed
        print(json.dumps({"path": path, "error": "%s: %s" % (type(error).__name__, error)}))
        return 2
    print(json.dumps({"path": path, "std_out": std_out.decode("utf-8", "replace"),
                      "std_err": std_err.decode("utf-8", "replace"), "status_code": status_code}))
    return 0


def send_input(protocol, shell, command, text):
    """Send (stdin, with End) for pywinrm 0.3.0, which has no send_command_input."""
    request = {"env:Envelope": protocol._get_soap_header(
        resource_uri="http://schemas.microsoft.com/wbem/wsman/1/windows/shell/cmd",
        action="http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Send", shell_id=shell)}
    stream = request["env:Envelope"].setdefault("env:Body", {}).setdefault("rsp:Send", {}).setdefault("rsp:Stream", {})
    stream["@Name"] = "stdin"
    stream["@CommandId"] = command
    stream["@End"] = "true"
    stream["#text"] = base64.b64encode(text.encode("utf-8")).decode()
    import xmltodict
    protocol.send_message(xmltodict.unparse(request))


if __name__ == "__main__":
    sys.exit(main())
