// A real SMTP server for tests (smtp-server on 127.0.0.1, port 0) that records every message
// it accepts, with a freshly made self-signed certificate for STARTTLS (openssl), optional
// login, and scripted recipient refusals; plus a small MIME reader for what it received.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SMTPServer } from "smtp-server";

export interface ReceivedMail {
  from: string;
  to: string[];
  /** Whether the session ran over TLS (STARTTLS) when the message was sent. */
  secure: boolean;
  /** The logged-in user, if any. */
  user: string | undefined;
  raw: string;
  headers: Map<string, string>;
  text: string;
  html: string;
}

export interface SmtpTestServerOptions {
  /** Require this login (over TLS); default: no login. */
  login?: { user: string; password: string };
  /** Offer STARTTLS (default true). */
  starttls?: boolean;
}

/** A certificate for 127.0.0.1 (and localhost), made once per test process. */
let certificate: { key: string; cert: string } | undefined;
export function testCertificate(): { key: string; cert: string } {
  if (certificate === undefined) {
    const dir = mkdtempSync(join(tmpdir(), "vigil-smtp-cert-"));
    try {
      execFileSync(
        "openssl",
        ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
          "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
          "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem")],
        { stdio: "ignore" },
      );
      certificate = { key: readFileSync(join(dir, "key.pem"), "utf8"), cert: readFileSync(join(dir, "cert.pem"), "utf8") };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return certificate;
}

export class SmtpTestServer {
  readonly mails: ReceivedMail[] = [];
  /** Recipients to refuse (550) on their next RCPT TO, once each. */
  readonly refuseOnce = new Set<string>();

  private constructor(
    private readonly server: SMTPServer,
    readonly port: number,
  ) {}

  static async start(options: SmtpTestServerOptions = {}): Promise<SmtpTestServer> {
    const { key, cert } = testCertificate();
    let self: SmtpTestServer | undefined;
    const server = new SMTPServer({
      key,
      cert,
      logger: false,
      ...(options.starttls === false && { disabledCommands: ["STARTTLS"] }),
      authOptional: options.login === undefined,
      onAuth(auth, _session, callback) {
        if (options.login && auth.username === options.login.user && auth.password === options.login.password) {
          callback(null, { user: auth.username });
        } else {
          callback(new Error("Invalid username or password"));
        }
      },
      onRcptTo(address, _session, callback) {
        if (self!.refuseOnce.delete(address.address)) {
          callback(Object.assign(new Error(`5.1.1 <${address.address}>: Recipient address rejected: User unknown`), { responseCode: 550 }));
        } else {
          callback();
        }
      },
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on("data", (chunk: Buffer) => chunks.push(chunk));
        stream.on("end", () => {
          const raw = Buffer.concat(chunks).toString("utf8");
          const from = session.envelope.mailFrom;
          self!.mails.push({
            from: from === false ? "" : from.address,
            to: session.envelope.rcptTo.map((r) => r.address),
            secure: session.secure,
            user: session.user as string | undefined,
            raw,
            ...readMime(raw),
          });
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    self = new SmtpTestServer(server, (server.server.address() as AddressInfo).port);
    return self;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** Headers (lower-case names, unfolded) and the text/plain and text/html parts, decoded. */
export function readMime(raw: string): { headers: Map<string, string>; text: string; html: string } {
  const { headers, body } = splitPart(raw);
  const parts = { text: "", html: "" };
  const collect = (partHeaders: Map<string, string>, partBody: string): void => {
    const type = partHeaders.get("content-type") ?? "text/plain";
    const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
    if (type.startsWith("multipart/") && boundary !== undefined) {
      const sections = partBody.split(`--${boundary}`).slice(1, -1);
      for (const section of sections) {
        const part = splitPart(section.replace(/^\r\n/, ""));
        collect(part.headers, part.body);
      }
      return;
    }
    const decoded = decodeBody(partBody, partHeaders.get("content-transfer-encoding") ?? "7bit");
    if (type.startsWith("text/html")) parts.html = decoded;
    else if (type.startsWith("text/plain")) parts.text = decoded;
  };
  collect(headers, body);
  return { headers, ...parts };
}

function splitPart(raw: string): { headers: Map<string, string>; body: string } {
  const end = raw.indexOf("\r\n\r\n");
  const head = end === -1 ? raw : raw.slice(0, end);
  const body = end === -1 ? "" : raw.slice(end + 4);
  const headers = new Map<string, string>();
  for (const line of head.replace(/\r\n[ \t]+/g, " ").split("\r\n")) {
    const colon = line.indexOf(":");
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return { headers, body };
}

function decodeBody(body: string, encoding: string): string {
  switch (encoding.toLowerCase()) {
    case "base64":
      return Buffer.from(body.replace(/\s+/g, ""), "base64").toString("utf8");
    case "quoted-printable": {
      const softBreaksRemoved = body.replace(/=\r\n/g, "");
      const bytes: number[] = [];
      for (let i = 0; i < softBreaksRemoved.length; i++) {
        const hex = softBreaksRemoved.slice(i + 1, i + 3);
        if (softBreaksRemoved[i] === "=" && /^[0-9A-Fa-f]{2}$/.test(hex)) {
          bytes.push(parseInt(hex, 16));
          i += 2;
        } else {
          bytes.push(...Buffer.from(softBreaksRemoved[i]!, "utf8"));
        }
      }
      return Buffer.from(bytes).toString("utf8").replace(/\r\n/g, "\n");
    }
    default:
      return body.replace(/\r\n/g, "\n");
  }
}
