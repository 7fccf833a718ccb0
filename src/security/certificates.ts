// Creates the certificates of a Vigil cluster (`vigil certs init`): a CA, a server
// certificate whose SANs are the names and addresses agents reach the server by, and one
// client certificate per agent whose CN and SAN are the node's name (mTLS binds the node
// name to the certificate). ECDSA P-256 keys, made with Node's WebCrypto and @peculiar/x509.
import { webcrypto } from "node:crypto";
import { isIP } from "node:net";
import "./reflect-metadata-shim.js";
import * as x509 from "@peculiar/x509";

const crypto = webcrypto as unknown as Crypto;
x509.cryptoProvider.set(crypto);

const KEY_ALGORITHM = { name: "ECDSA", namedCurve: "P-256" } as const;
const SIGNING_ALGORITHM = { name: "ECDSA", hash: "SHA-256" } as const;
const DAY_MS = 86_400_000;

export interface IssuedCertificate {
  /** PEM certificate. */
  cert: string;
  /** PEM PKCS#8 private key. */
  key: string;
}

export interface CertificateAuthority extends IssuedCertificate {
  keys: CryptoKeyPair;
  certificate: x509.X509Certificate;
}

/** Certificates are valid from one hour ago (clock skew between machines) for `days`. */
function validity(now: number, days: number): { notBefore: Date; notAfter: Date } {
  return { notBefore: new Date(now - 3_600_000), notAfter: new Date(now + days * DAY_MS) };
}

function serialNumber(): string {
  // Positive (high bit clear) 16-byte serial, as RFC 5280 asks.
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[0] = bytes[0]! & 0x7f;
  return Buffer.from(bytes).toString("hex");
}

async function newKeys(): Promise<CryptoKeyPair> {
  return crypto.subtle.generateKey(KEY_ALGORITHM, true, ["sign", "verify"]) as Promise<CryptoKeyPair>;
}

async function privateKeyPem(keys: CryptoKeyPair): Promise<string> {
  const der = await crypto.subtle.exportKey("pkcs8", keys.privateKey);
  return x509.PemConverter.encode(der, "PRIVATE KEY");
}

/** A `CN=...` distinguished name; the characters DN syntax gives meaning to are escaped. */
function commonName(name: string): string {
  return `CN=${name.replace(/([,+"\\<>;=#])/g, "\\$1")}`;
}

export async function createCertificateAuthority(o: { name?: string; days?: number; now?: number } = {}): Promise<CertificateAuthority> {
  const keys = await newKeys();
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serialNumber(),
    name: commonName(o.name ?? "Vigil CA"),
    ...validity(o.now ?? Date.now(), o.days ?? 3650),
    keys,
    signingAlgorithm: SIGNING_ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { keys, certificate, cert: certificate.toString("pem"), key: await privateKeyPem(keys) };
}

/** Subject alternative names: IP addresses as iPAddress entries, anything else as dNSName. */
function alternativeNames(names: string[]): x509.SubjectAlternativeNameExtension {
  return new x509.SubjectAlternativeNameExtension(names.map((n) => (isIP(n) ? { type: "ip" as const, value: n } : { type: "dns" as const, value: n })));
}

async function issue(
  ca: CertificateAuthority,
  o: { subject: string; names: string[]; usage: "server" | "client"; days: number; now: number },
): Promise<IssuedCertificate> {
  const keys = await newKeys();
  const certificate = await x509.X509CertificateGenerator.create({
    serialNumber: serialNumber(),
    subject: commonName(o.subject),
    issuer: ca.certificate.subject,
    ...validity(o.now, o.days),
    publicKey: keys.publicKey,
    signingKey: ca.keys.privateKey,
    signingAlgorithm: SIGNING_ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension([o.usage === "server" ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth]),
      alternativeNames(o.names),
      await x509.AuthorityKeyIdentifierExtension.create(ca.keys.publicKey),
    ],
  });
  return { cert: certificate.toString("pem"), key: await privateKeyPem(keys) };
}

/** The server's certificate; `names` (DNS names and IP addresses) become its SANs, the first its CN. */
export function issueServerCertificate(ca: CertificateAuthority, names: string[], o: { days?: number; now?: number } = {}): Promise<IssuedCertificate> {
  if (names.length === 0) throw new Error("a server certificate needs at least one name or address");
  return issue(ca, { subject: names[0]!, names, usage: "server", days: o.days ?? 825, now: o.now ?? Date.now() });
}

/** An agent's client certificate: CN and SAN are the node's name, which the server checks against hello. */
export function issueAgentCertificate(ca: CertificateAuthority, node: string, o: { days?: number; now?: number } = {}): Promise<IssuedCertificate> {
  return issue(ca, { subject: node, names: [node], usage: "client", days: o.days ?? 825, now: o.now ?? Date.now() });
}

/** Reads back a CA written earlier (PEM certificate and PKCS#8 key), to issue more certificates with it. */
export async function loadCertificateAuthority(certPem: string, keyPem: string): Promise<CertificateAuthority> {
  const certificate = new x509.X509Certificate(certPem);
  const privateKey = await crypto.subtle.importKey("pkcs8", x509.PemConverter.decodeFirst(keyPem), KEY_ALGORITHM, true, ["sign"]);
  const publicKey = await certificate.publicKey.export(KEY_ALGORITHM, ["verify"]);
  return { certificate, keys: { privateKey, publicKey }, cert: certPem, key: keyPem };
}
