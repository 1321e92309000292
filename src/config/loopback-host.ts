/**
 * Whether a host name or address is this machine's loopback (`localhost`, 127.0.0.0/8, `::1`, with or
 * without IPv6 brackets). Traffic to it never leaves the machine, so it is the one place where a channel
 * carrying secrets may run unencrypted without the operator saying so.
 */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}
