package io.k0rdent.api.core.ipam;

import inet.ipaddr.IPAddress;
import inet.ipaddr.IPAddressString;
import io.k0rdent.api.core.error.ApiException;
import java.util.List;

/**
 * What a network's or an address pool's CIDR block may be, beyond its text ({@link IpText#cidr}).
 *
 * <ul>
 *   <li>Prefix length of a network: IPv4 /{@value #IPV4_MIN_PREFIX} to /{@value #IPV4_MAX_PREFIX}, IPv6
 *       /{@value #IPV6_MIN_PREFIX} to /{@value #IPV6_MAX_PREFIX}.</li>
 *   <li>Never special-purpose space (RFC 6890): {@code 0.0.0.0/8}, loopback {@code 127.0.0.0/8}, link-local
 *       {@code 169.254.0.0/16}, multicast {@code 224.0.0.0/4}, class E {@code 240.0.0.0/4}; IPv6
 *       {@code ::/8} (unspecified, loopback, IPv4-mapped and -compatible), link-local {@code fe80::/10},
 *       multicast {@code ff00::/8}.</li>
 *   <li>A network lies inside one of {@link #networkRanges()}: by default private space only, RFC 1918,
 *       RFC 6598 shared space and IPv6 unique local addresses (RFC 4193). A provider may configure others
 *       (its own public space). Address pools (provider-managed) may lie anywhere but special space and
 *       those ranges, IPv4 up to /32 and IPv6 up to /128 (a pool reserves no address).</li>
 * </ul>
 *
 * @param networkRanges the blocks a network must lie within
 */
public record CidrRules(List<IPAddress> networkRanges) {

  public static final int IPV4_MIN_PREFIX = 8;
  public static final int IPV4_MAX_PREFIX = 29;
  public static final int IPV6_MIN_PREFIX = 32;
  public static final int IPV6_MAX_PREFIX = 64;
  /** Longest prefix of an IPv4 address pool (one address: pools reserve none). */
  public static final int POOL_IPV4_MAX_PREFIX = 32;
  /** Longest prefix of an IPv6 address pool. */
  public static final int POOL_IPV6_MAX_PREFIX = 128;
  /** The default of {@code ipam.networkRanges}: RFC 1918, RFC 6598, RFC 4193. */
  public static final List<String> DEFAULT_NETWORK_RANGES =
      List.of("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7");

  private record Special(IPAddress block, String what) {}

  private static final List<Special> SPECIAL = List.of(
      special("0.0.0.0/8", "'this network' (RFC 6890)"),
      special("127.0.0.0/8", "loopback"),
      special("169.254.0.0/16", "link-local"),
      special("224.0.0.0/4", "multicast"),
      special("240.0.0.0/4", "reserved class E space"),
      special("::/8", "reserved IPv6 space (unspecified, loopback, IPv4-mapped and -compatible)"),
      special("fe80::/10", "IPv6 link-local"),
      special("ff00::/8", "IPv6 multicast"));

  public CidrRules {
    networkRanges = List.copyOf(networkRanges);
  }

  /** The default rules ({@link #DEFAULT_NETWORK_RANGES}). */
  public static CidrRules defaults() {
    return of(DEFAULT_NETWORK_RANGES);
  }

  /**
   * Rules from configured range texts (canonical CIDR blocks).
   *
   * @throws IllegalArgumentException naming the entry that is not one
   */
  public static CidrRules of(List<String> ranges) {
    return new CidrRules(ranges.stream().map(r -> {
      try {
        return IpText.cidr("ipam.networkRanges", r);
      } catch (ApiException e) {
        throw new IllegalArgumentException("ipam.networkRanges: " + e.getMessage());
      }
    }).toList());
  }

  /** A network's {@code cidr}: {@link IpText#cidr}, then the rules above. Throws a 400 naming {@code field}. */
  public IPAddress network(String field, String text) {
    String accepted = "a network must lie within "
        + String.join(", ", networkRanges.stream().map(IPAddress::toCanonicalString).toList())
        + " (the provider configures this list)";
    IPAddress a = common(field, IpText.cidr(field, text, IPV4_MIN_PREFIX, IPV4_MAX_PREFIX, IPV6_MIN_PREFIX,
        IPV6_MAX_PREFIX), text, accepted);
    for (IPAddress r : networkRanges) {
      if (r.getIPVersion() == a.getIPVersion() && r.contains(a)) {
        return a;
      }
    }
    throw ApiException.invalidField(field, text + " is not private address space; " + accepted);
  }

  /**
   * An address pool's {@code cidr}: {@link IpText#cidr}, IPv4 /{@value #IPV4_MIN_PREFIX} to
   * /{@value #POOL_IPV4_MAX_PREFIX} or IPv6 /{@value #IPV6_MIN_PREFIX} to /{@value #POOL_IPV6_MAX_PREFIX} (a pool
   * reserves no address, so a single floating address is a pool), no special space, and nothing of
   * {@link #networkRanges()}: an external address must never be one a tenant's network may hold.
   */
  public IPAddress pool(String field, String text) {
    String accepted = "an address pool may lie anywhere outside the special-purpose blocks (RFC 6890) and the "
        + "blocks tenants' networks may use (" + String.join(", ", networkRanges.stream()
        .map(IPAddress::toCanonicalString).toList()) + ")";
    IPAddress a = common(field, IpText.cidr(field, text, IPV4_MIN_PREFIX, POOL_IPV4_MAX_PREFIX, IPV6_MIN_PREFIX,
        POOL_IPV6_MAX_PREFIX), text, accepted);
    for (IPAddress r : networkRanges) {
      if (r.getIPVersion() == a.getIPVersion() && (r.contains(a) || a.contains(r))) {
        throw ApiException.invalidField(field, text + " overlaps " + r.toCanonicalString()
            + ", which tenants' networks may use (ipam.networkRanges); " + accepted);
      }
    }
    return a;
  }

  /** {@code accepted} (what would be accepted instead) ends the description of a special-space refusal. */
  private static IPAddress common(String field, IPAddress a, String text, String accepted) {
    for (Special s : SPECIAL) {
      if (s.block().getIPVersion() == a.getIPVersion() && (s.block().contains(a) || a.contains(s.block()))) {
        throw ApiException.invalidField(field, text + " overlaps " + s.block().toCanonicalString() + ", " + s.what()
            + ", which cannot be used; " + accepted);
      }
    }
    return a;
  }

  private static Special special(String cidr, String what) {
    return new Special(new IPAddressString(cidr).getAddress(), what);
  }
}
