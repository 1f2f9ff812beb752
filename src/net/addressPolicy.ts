import dns from 'node:dns';
import net from 'node:net';
import ipaddr from 'ipaddr.js';

/** A URL whose host is, or resolves to, an address the service may not reach. */
export class ForbiddenAddressError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ForbiddenAddressError';
  }
}

/**
 * Which addresses the service may reach for a user-given URL (a document to fetch, a
 * webhook to call): public unicast ones, and whatever the allow-list names (IPs, CIDR
 * ranges, host names). IPv4-mapped IPv6 and the decimal and octal forms of IPv4 are seen
 * as the addresses they are (the URL parser and ipaddr.js normalise them).
 */
export class AddressPolicy {
  private readonly ranges: Array<[ipaddr.IPv4 | ipaddr.IPv6, number]> = [];
  private readonly hosts = new Set<string>();

  constructor(allowList: readonly string[]) {
    for (const entry of allowList) {
      if (ipaddr.isValidCIDR(entry)) this.ranges.push(ipaddr.parseCIDR(entry));
      else if (ipaddr.isValid(entry)) {
        const address = ipaddr.process(entry);
        this.ranges.push([address, address.kind() === 'ipv4' ? 32 : 128]);
      } else this.hosts.add(entry.toLowerCase());
    }
  }

  /**
   * IP literals in a URL are connected to without a lookup; check them here.
   * @returns whether the host is a literal @throws ForbiddenAddressError
   */
  checkLiteral(hostname: string): boolean {
    const bare = hostname.replace(/^\[|\]$/g, '');
    if (!net.isIP(bare)) return false;
    this.check(bare, bare);
    return true;
  }

  /**
   * Checks a URL before it is used: its host as a literal, or every address its name
   * resolves to now. A name that does not resolve (yet) passes; connections check again.
   * @throws ForbiddenAddressError
   */
  async checkUrl(url: URL, timeoutMs: number): Promise<void> {
    if (this.checkLiteral(url.hostname)) return;
    const addresses = await Promise.race([
      dns.promises.lookup(url.hostname, { all: true }).catch(() => []),
      new Promise<dns.LookupAddress[]>((resolve) => setTimeout(() => resolve([]), timeoutMs).unref()),
    ]);
    for (const { address } of addresses) this.check(address, url.hostname);
  }

  /** A lookup for http(s) requests that refuses names resolving to forbidden addresses. */
  readonly lookup: net.LookupFunction = (hostname, options, callback) => {
    dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '', 0);
      try {
        for (const { address } of addresses) this.check(address, hostname);
      } catch (refused) {
        return callback(refused as Error, '', 0);
      }
      if (options.all) return (callback as unknown as (e: null, a: dns.LookupAddress[]) => void)(null, addresses);
      const first = addresses[0]!;
      callback(null, first.address, first.family);
    });
  };

  private check(address: string, hostname: string): void {
    if (this.hosts.has(hostname.toLowerCase())) return;
    const parsed = ipaddr.process(address);
    if (parsed.range() === 'unicast') return;
    if (this.ranges.some(([base, bits]) => base.kind() === parsed.kind() && parsed.match(base, bits))) return;
    throw new ForbiddenAddressError(`${hostname} resolves to ${address}, a ${parsed.range()} address the service may not reach`);
  }
}
