package io.k0rdent.api.core.ipam;

import inet.ipaddr.AddressStringException;
import inet.ipaddr.AddressStringParameters;
import inet.ipaddr.IPAddress;
import inet.ipaddr.IPAddressString;
import inet.ipaddr.IPAddressStringParameters;
import io.k0rdent.api.core.error.ApiException;

/**
 * The text forms the API accepts for IP addresses and CIDR blocks, parsed with the IPAddress library
 * ({@code com.github.seancfoley:ipaddress}). Only the canonical form is accepted, so what a client sends is
 * exactly what it reads back (a Terraform plan never sees a diff): IPv4 dotted quads without leading zeros,
 * IPv6 as RFC 5952 §4 writes it (lowercase, leading zeros dropped, the longest run of zero groups
 * compressed), a prefix length without leading zeros. Anything else is a 400 whose field violation says what
 * would be accepted, with the canonical spelling when there is one; nothing is normalised silently.
 * IPv4-mapped IPv6 ({@code ::ffff:0:0/96}, RFC 4291 §2.5.5.2) is refused: write the IPv4 form.
 */
public final class IpText {

  /** Longest text considered; the longest canonical IPv6 CIDR is 43 characters. */
  public static final int MAX_LENGTH = 64;

  private static final IPAddressStringParameters PARAMS = new IPAddressStringParameters.Builder()
      .allowEmpty(false).allowAll(false).allowSingleSegment(false).allow_inet_aton(false).allowMask(false)
      .allowPrefixOnly(false).allowWildcardedSeparator(false)
      .setRangeOptions(AddressStringParameters.RangeParameters.NO_RANGE)
      // Leading zeros (in the address and the prefix length) are parsed so that the 400 can name the canonical
      // form (requireCanonical); the library's allowPrefixLengthLeadingZeros(false) would also refuse "/0".
      .getIPv4AddressParametersBuilder().allowLeadingZeros(true).allowPrefixLengthLeadingZeros(true)
      .allowBinary(false).allowPrefixesBeyondAddressSize(false).getParentBuilder()
      .getIPv6AddressParametersBuilder().allowZone(false).allowBase85(false).allowMixed(true)
      .allowLeadingZeros(true).allowPrefixLengthLeadingZeros(true).allowBinary(false).getParentBuilder()
      .toParams();

  private IpText() {}

  /**
   * A CIDR block ({@code 10.0.0.0/24}, {@code fd00:1::/48}) in canonical form, with no host bits set.
   *
   * @param field the request field, named in the 400
   * @return the block (a prefix block: {@link IPAddress#isPrefixBlock()})
   * @throws ApiException 400 on anything else
   */
  public static IPAddress cidr(String field, String text) {
    return cidr(field, text, 0, 32, 0, 128);
  }

  /**
   * As {@link #cidr(String, String)}, with the prefix length bounded (checked before the host bits, so that a
   * {@code /0} is told the bounds rather than a network it could not use either).
   *
   * @throws ApiException 400 naming the bounds when the prefix length lies outside them
   */
  public static IPAddress cidr(String field, String text, int ipv4Min, int ipv4Max, int ipv6Min, int ipv6Max) {
    IPAddress a = parse(field, text, "a CIDR block such as 10.0.0.0/24 or fd00:1::/48");
    String given = text;
    refuseMapped(field, a, given);
    if (a.getNetworkPrefixLength() == null) {
      throw ApiException.invalidField(field, "'" + given + "' has no prefix length; write it in CIDR notation, e.g. "
          + a.toPrefixBlock(a.isIPv4() ? 24 : 64).toCanonicalString());
    }
    int prefix = a.getNetworkPrefixLength();
    int min = a.isIPv4() ? ipv4Min : ipv6Min;
    int max = a.isIPv4() ? ipv4Max : ipv6Max;
    if (prefix < min || prefix > max) {
      throw ApiException.invalidField(field, "an " + (a.isIPv4() ? "IPv4" : "IPv6") + " block must be /" + min
          + " to /" + max + "; '" + given + "' is /" + prefix);
    }
    if (!a.isPrefixBlock()) {
      throw ApiException.invalidField(field, "'" + given + "' has host bits set; the network of that prefix is "
          + a.toPrefixBlock().toCanonicalString() + " (send that: the server never changes what it is sent)");
    }
    requireCanonical(field, a, given);
    return a;
  }

  /**
   * One IP address ({@code 10.0.0.7}, {@code fd00::7}) in canonical form, without a prefix length.
   *
   * @throws ApiException 400 on anything else
   */
  public static IPAddress address(String field, String text) {
    IPAddress a = parse(field, text, "an IP address such as 10.0.0.7 or fd00::7");
    refuseMapped(field, a, text);
    if (a.getNetworkPrefixLength() != null) {
      throw ApiException.invalidField(field, "'" + text + "' has a prefix length; " + field
          + " is one address, e.g. " + a.getLower().withoutPrefixLength().toCanonicalString());
    }
    requireCanonical(field, a, text);
    return a;
  }

  /** The canonical text of {@code a} (RFC 5952 for IPv6). */
  public static String canonical(IPAddress a) {
    return a.toCanonicalString();
  }

  private static IPAddress parse(String field, String text, String expected) {
    if (text == null || text.isEmpty()) {
      throw ApiException.invalidField(field, field + " is required: " + expected);
    }
    if (text.length() > MAX_LENGTH) {
      throw ApiException.invalidField(field, field + " is over " + MAX_LENGTH + " characters; it must be " + expected);
    }
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' || c == '.' || c == ':' || c == '/')) {
        throw ApiException.invalidField(field, field + " must be " + expected
            + " (digits, a-f, '.', ':' and '/' only; no spaces, zones or ranges)");
      }
    }
    try {
      return new IPAddressString(text, PARAMS).toAddress();
    } catch (AddressStringException | RuntimeException e) {
      String why = e.getMessage() == null ? "" : e.getMessage();
      int at = why.indexOf("error: ");
      why = at < 0 ? "" : " (" + why.substring(at + "error: ".length()) + ")";
      throw ApiException.invalidField(field, "'" + text + "' is not " + expected + why);
    }
  }

  private static void refuseMapped(String field, IPAddress a, String given) {
    if (a.isIPv6() && a.toIPv6().isIPv4Mapped()) {
      throw ApiException.invalidField(field, "'" + given + "' is an IPv4-mapped IPv6 address (::ffff:0:0/96); "
          + "write the IPv4 form");
    }
  }

  private static void requireCanonical(String field, IPAddress a, String given) {
    String canonical = a.toCanonicalString();
    if (!canonical.equals(given)) {
      throw ApiException.invalidField(field, "'" + given + "' is not in canonical form; write " + canonical
          + (a.isIPv6() ? " (RFC 5952: lowercase, no leading zeros, the longest run of zero groups as ::)"
          : " (no leading zeros)"));
    }
  }
}
