// A small lab of network namespaces for the demo cluster, e2e tests and benchmarks: one namespace per host
// (server, agents) cabled by a veth pair to a bridge in a "lan" namespace (10.77.0.0/24),
// plus a management link from the test's own namespace to one host, so that the test can
// still reach the server's API and receive its webhooks while the server's lan cable is cut.
// Faults are links and routes only: a cable pulled (link down), one path blackholed.
import { spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";

const LAN_PREFIX = "10.77.0";
/** Management links are /30s picked at random in here, in the test's own namespace. */
const MGMT_PREFIX = "10.201";
/** Every namespace of a lab is named vgl-<pid of the creating process>-<random>-<role>. */
const NAME_PREFIX = "vgl-";

export interface LabHost {
  name: string;
  namespace: string;
  /** Its address on the lan. */
  ip: string;
}

export interface Lab {
  readonly id: string;
  readonly hosts: Readonly<Record<string, LabHost>>;
  /** The management link between the test's namespace (`localIp`) and `host` (`remoteIp`). */
  readonly management: { host: string; localIp: string; remoteIp: string };
  /** The command prefix that runs a program inside the host's namespace. */
  launcher(host: string): string[];
  /** Pulls the host's lan cable (its interface goes down; the bridge side loses carrier). */
  cutLink(host: string): void;
  restoreLink(host: string): void;
  /** Cuts only the path between two hosts: each gets a blackhole route for the other's address. */
  cutPath(a: string, b: string): void;
  restorePath(a: string, b: string): void;
  /** A process run in the lab: destroy() kills it if it is still running. Returns it. */
  adopt<P extends ChildProcess>(proc: P): P;
  /**
   * SIGKILLs adopted processes still running, then deletes the namespaces and links (stop
   * processes gracefully before, where that matters). Safe to call twice; also runs at exit.
   */
  destroy(): void;
}

/** Why network namespaces cannot be used here, or null when they can. */
export function netnsUnavailableReason(): string | null {
  if (typeof process.getuid === "function" && process.getuid() !== 0) return "not running as root (ip netns needs CAP_SYS_ADMIN)";
  const version = spawnSync("ip", ["-V"], { encoding: "utf8" });
  if (version.error) return `no \`ip\` command (Debian: apt-get install iproute2): ${version.error.message}`;
  const probe = `${NAME_PREFIX}${process.pid}-probe${randomBytes(2).toString("hex")}`;
  const add = spawnSync("ip", ["netns", "add", probe], { encoding: "utf8" });
  if (add.status !== 0) return `\`ip netns add\` failed: ${(add.stderr || add.error?.message || "").trim()}`;
  spawnSync("ip", ["netns", "del", probe]);
  return null;
}

/**
 * Decides whether tests that need namespaces run: `skip` is the reason to skip them (and is
 * announced loudly), or false. Under VIGIL_REQUIRE_NETNS=1 they are never skipped;
 * `assertAvailable()` (call it in `before`) then fails with the reason.
 */
export function netnsGate(what: string): { skip: string | false; assertAvailable(): void } {
  const reason = netnsUnavailableReason();
  const required = process.env.VIGIL_REQUIRE_NETNS === "1";
  if (reason && !required) {
    console.warn(
      [
        "",
        "************************************************************************",
        `* SKIPPED: ${what}: network namespaces are not available here:`,
        `*   ${reason}`,
        "* Run as root with iproute2 installed; VIGIL_REQUIRE_NETNS=1 (set by",
        "* .ci/run) makes this a failure.",
        "************************************************************************",
        "",
      ].join("\n"),
    );
  }
  return {
    skip: reason && !required ? `network namespaces unavailable: ${reason}` : false,
    assertAvailable() {
      if (reason) throw new Error(`VIGIL_REQUIRE_NETNS=1 but network namespaces are not available: ${reason}`);
    },
  };
}

function ip(args: string[], options: { ignoreErrors?: boolean } = {}): string {
  const r = spawnSync("ip", args, { encoding: "utf8" });
  if (!options.ignoreErrors && (r.error || r.status !== 0)) {
    throw new Error(`ip ${args.join(" ")} failed: ${(r.stderr || r.error?.message || `exit ${r.status}`).trim()}`);
  }
  return r.stdout ?? "";
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Deletes namespaces left by labs whose creating process is gone (a run killed mid-way). */
function removeStaleLabs(): void {
  for (const line of ip(["netns", "list"], { ignoreErrors: true }).split("\n")) {
    const name = line.split(" ")[0] ?? "";
    const m = /^vgl-(\d+)-/.exec(name);
    if (m && !isAlive(Number(m[1]))) ip(["netns", "del", name], { ignoreErrors: true });
  }
}

/** A /30 in MGMT_PREFIX that no address in this namespace uses. */
function pickManagementSubnet(): string {
  const used = ip(["-4", "-o", "addr", "show"]);
  for (let i = 0; i < 200; i++) {
    const third = Math.floor(Math.random() * 256);
    const fourth = Math.floor(Math.random() * 64) * 4;
    const base = `${MGMT_PREFIX}.${third}.`;
    const taken = [1, 2].some((d) => used.includes(` ${base}${fourth + d}/`));
    if (!taken) return `${base}${fourth}`;
  }
  throw new Error(`no free /30 found in ${MGMT_PREFIX}.0.0/16 for the management link`);
}

/**
 * Builds the lab: hosts get 10.77.0.1, .2, ... in the order given; the management link goes to
 * `managementHost` (default: the first host). Removes the lab at process exit if the caller did not.
 */
export function createLab(hostNames: string[], options: { managementHost?: string } = {}): Lab {
  if (hostNames.length === 0 || hostNames.length > 200) throw new Error(`createLab: expected 1..200 hosts, got ${hostNames.length}`);
  removeStaleLabs();
  const id = `${process.pid}-${randomBytes(3).toString("hex")}`;
  const lanNs = `${NAME_PREFIX}${id}-lan`;
  const hosts: Record<string, LabHost> = {};
  hostNames.forEach((name, i) => {
    if (!/^[A-Za-z0-9_-]+$/.test(name)) throw new Error(`createLab: host name "${name}" must be letters, digits, - and _`);
    hosts[name] = { name, namespace: `${NAME_PREFIX}${id}-${name}`, ip: `${LAN_PREFIX}.${i + 1}` };
  });
  const managementHost = options.managementHost ?? hostNames[0]!;
  if (!hosts[managementHost]) throw new Error(`createLab: management host "${managementHost}" is not one of the hosts`);
  // Interface names are limited to 15 characters; this one lives in the caller's namespace.
  const mgmtDev = `vgl${randomBytes(4).toString("hex")}`;
  const created: string[] = [];
  const adopted: ChildProcess[] = [];
  let destroyed = false;

  const destroy = (): void => {
    if (destroyed) return;
    destroyed = true;
    process.removeListener("exit", destroy);
    // A namespace lives on while a process is inside it: the processes go first.
    killAll(adopted);
    ip(["link", "del", mgmtDev], { ignoreErrors: true });
    for (const ns of created.reverse()) ip(["netns", "del", ns], { ignoreErrors: true });
  };
  process.once("exit", destroy);

  const host = (name: string): LabHost => {
    const h = hosts[name];
    if (!h) throw new Error(`lab ${id}: no host named "${name}" (hosts: ${hostNames.join(", ")})`);
    return h;
  };

  try {
    ip(["netns", "add", lanNs]);
    created.push(lanNs);
    ip(["-n", lanNs, "link", "add", "br0", "type", "bridge"]);
    ip(["-n", lanNs, "link", "set", "br0", "up"]);
    hostNames.forEach((name, i) => {
      const h = hosts[name]!;
      ip(["netns", "add", h.namespace]);
      created.push(h.namespace);
      ip(["-n", h.namespace, "link", "set", "lo", "up"]);
      const port = `p${i}`;
      ip(["-n", lanNs, "link", "add", port, "type", "veth", "peer", "name", "eth0", "netns", h.namespace]);
      ip(["-n", lanNs, "link", "set", port, "master", "br0"]);
      ip(["-n", lanNs, "link", "set", port, "up"]);
      ip(["-n", h.namespace, "addr", "add", `${h.ip}/24`, "dev", "eth0"]);
      ip(["-n", h.namespace, "link", "set", "eth0", "up"]);
    });
    const subnet = pickManagementSubnet();
    const [a, b, c, d] = subnet.split(".").map(Number) as [number, number, number, number];
    const localIp = `${a}.${b}.${c}.${d + 1}`;
    const remoteIp = `${a}.${b}.${c}.${d + 2}`;
    const m = host(managementHost);
    ip(["link", "add", mgmtDev, "type", "veth", "peer", "name", "mgmt0", "netns", m.namespace]);
    ip(["addr", "add", `${localIp}/30`, "dev", mgmtDev]);
    ip(["link", "set", mgmtDev, "up"]);
    ip(["-n", m.namespace, "addr", "add", `${remoteIp}/30`, "dev", "mgmt0"]);
    ip(["-n", m.namespace, "link", "set", "mgmt0", "up"]);

    return {
      id,
      hosts,
      management: { host: managementHost, localIp, remoteIp },
      launcher: (name) => ["ip", "netns", "exec", host(name).namespace],
      cutLink: (name) => void ip(["-n", host(name).namespace, "link", "set", "eth0", "down"]),
      restoreLink: (name) => {
        const h = host(name);
        ip(["-n", h.namespace, "link", "set", "eth0", "up"]);
      },
      cutPath: (x, y) => {
        ip(["-n", host(x).namespace, "route", "add", "blackhole", `${host(y).ip}/32`]);
        ip(["-n", host(y).namespace, "route", "add", "blackhole", `${host(x).ip}/32`]);
      },
      restorePath: (x, y) => {
        ip(["-n", host(x).namespace, "route", "del", "blackhole", `${host(y).ip}/32`], { ignoreErrors: true });
        ip(["-n", host(y).namespace, "route", "del", "blackhole", `${host(x).ip}/32`], { ignoreErrors: true });
      },
      adopt: (proc) => {
        adopted.push(proc);
        return proc;
      },
      destroy,
    };
  } catch (err) {
    destroy();
    throw err;
  }
}

/** SIGKILLs processes still running (synchronously, e.g. before destroying a lab). */
export function killAll(procs: Iterable<ChildProcess>): void {
  for (const p of procs) {
    if (p.exitCode === null && p.signalCode === null && p.pid !== undefined) {
      try {
        process.kill(p.pid, "SIGKILL");
      } catch {
        /* already gone */
      }
    }
  }
}
