package io.k0rdent.api.core.ipam;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import inet.ipaddr.IPAddress;
import io.k0rdent.api.core.error.ApiException;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The IPAM input rules, case by case, through {@link CidrRules#network} and {@link CidrRules#pool}:
 * which CIDR blocks are accepted exactly as sent, and that every refusal is a 400 naming the field whose
 * description says what would be accepted (asserted on key words, not whole sentences).
 */
class CidrRulesTest {

  private static final String FIELD = "cidr";
  private static final CidrRules RULES = CidrRules.defaults();

  @ParameterizedTest
  @ValueSource(strings = {"10.0.0.0/8", "10.0.0.0/29", "172.16.0.0/12", "192.168.1.0/24", "100.64.0.0/10",
      "192.168.0.0/16", "172.31.255.248/29", "fd00::/48", "fd00:1:2:3::/64", "fc00::/32", "fdff:ffff::/32"})
  void privateBlocksAreAcceptedAsSent(String cidr) {
    IPAddress network = RULES.network(FIELD, cidr);
    assertThat(IpText.canonical(network)).isEqualTo(cidr);
    assertThat(network.isPrefixBlock()).isTrue();
    // tenants' space is never an external pool
    assertThat(refusal(() -> RULES.pool(FIELD, cidr))).contains("ipam.networkRanges", "tenants' networks");
  }

  static Stream<Arguments> refusedEverywhere() {
    return Stream.of(
        // No prefix: say it must be CIDR notation, with a usable example.
        Arguments.of("10.0.0.0", List.of("no prefix length", "CIDR notation", "10.0.0.0/24")),
        Arguments.of("fd00::", List.of("no prefix length", "fd00::/64")),
        // Host bits: name the network, never normalise silently.
        Arguments.of("10.0.0.5/24", List.of("host bits", "10.0.0.0/24")),
        Arguments.of("fd00::1/64", List.of("host bits", "fd00::/64")),
        // Prefix bounds, including /0 whether or not host bits are set.
        Arguments.of("0.0.0.0/0", List.of("/8 to /29", "/0")),
        Arguments.of("10.0.0.0/0", List.of("/8 to /29", "/0")),
        Arguments.of("::/0", List.of("/32 to /64", "/0")),
        Arguments.of("10.0.0.0/7", List.of("/8 to /29", "/7")),
        Arguments.of("10.0.0.0/30", List.of("/8 to /29", "/30")),
        Arguments.of("10.0.0.0/31", List.of("/8 to /29", "/31")),
        Arguments.of("10.0.0.0/32", List.of("/8 to /29", "/32")),
        Arguments.of("fd00::/31", List.of("/32 to /64", "/31")),
        Arguments.of("fd00::/65", List.of("/32 to /64", "/65")),
        Arguments.of("fd00::/128", List.of("/32 to /64", "/128")),
        // Non-canonical text: name the canonical form.
        Arguments.of("010.0.0.0/8", List.of("canonical", "write 10.0.0.0/8", "leading zeros")),
        Arguments.of("10.0.0.0/024", List.of("canonical", "write 10.0.0.0/24")),
        Arguments.of("FD00::/48", List.of("canonical", "write fd00::/48", "RFC 5952")),
        Arguments.of("fd00:0:0:0::/64", List.of("canonical", "write fd00::/64")),
        Arguments.of("fd00:0000::/48", List.of("canonical", "write fd00::/48")),
        Arguments.of("fd00::1:0:0:0:0/64", List.of("canonical", "write fd00:0:0:1::/64")),
        Arguments.of("fd00::1:2:0:0:0:0/64", List.of("canonical", "write fd00:0:1:2::/64")),
        // IPv4-mapped IPv6: write the IPv4 form.
        Arguments.of("::ffff:10.0.0.0/104", List.of("IPv4-mapped", "IPv4 form")),
        Arguments.of("::ffff:a00:0/104", List.of("IPv4-mapped", "IPv4 form")),
        // Special-purpose space (prefix bounds may answer first: then they are what is named).
        Arguments.of("127.0.0.0/8", List.of("127.0.0.0/8", "loopback", "cannot be used")),
        Arguments.of("127.1.0.0/16", List.of("127.0.0.0/8", "loopback")),
        Arguments.of("169.254.0.0/16", List.of("169.254.0.0/16", "link-local")),
        Arguments.of("224.0.0.0/8", List.of("224.0.0.0/4", "multicast")),
        Arguments.of("239.1.0.0/16", List.of("224.0.0.0/4", "multicast")),
        Arguments.of("240.0.0.0/8", List.of("240.0.0.0/4", "class E")),
        Arguments.of("255.255.255.0/24", List.of("240.0.0.0/4", "class E")),
        Arguments.of("0.0.0.0/8", List.of("0.0.0.0/8", "this network")),
        Arguments.of("fe80::/64", List.of("fe80::/10", "link-local")),
        Arguments.of("ff00::/32", List.of("ff00::/8", "multicast")),
        Arguments.of("::/32", List.of("::/8")),
        // Not an address at all: say what the field must be.
        Arguments.of(" 10.0.0.0/24", List.of("CIDR block such as", "digits")),
        Arguments.of("10.0.0.0/24 ", List.of("CIDR block such as", "digits")),
        Arguments.of("10.0.0.0/24\n", List.of("CIDR block such as", "digits")),
        Arguments.of("10.0.0.0-10.0.0.9", List.of("CIDR block such as", "no spaces, zones or ranges")),
        Arguments.of("fe80::1%eth0/64", List.of("CIDR block such as", "no spaces, zones or ranges")),
        Arguments.of("10.0.0.0/24/24", List.of("CIDR block such as 10.0.0.0/24")),
        Arguments.of("10.0.0/24", List.of("CIDR block such as 10.0.0.0/24")),
        Arguments.of("10.0.0.0/33", List.of("CIDR block such as 10.0.0.0/24")),
        Arguments.of("", List.of("required", "CIDR block such as")),
        Arguments.of("1".repeat(100), List.of("over 64 characters", "CIDR block such as")),
        Arguments.of("10.0.0.0/8" + " ".repeat(90), List.of("over 64 characters")));
  }

  @ParameterizedTest
  @MethodSource("refusedEverywhere")
  void refusedAsNetworkWithWhatWouldBeAccepted(String cidr, List<String> keyWords) {
    assertThat(refusal(() -> RULES.network(FIELD, cidr))).contains(keyWords);
  }

  /** Pool rules whose network ranges do not cover the cases above, so the same refusals show. */
  private static final CidrRules POOL_RULES = CidrRules.of(List.of("192.0.2.0/24"));

  /** The cases above but those of the networks' prefix bounds (pools have their own, below). */
  static Stream<Arguments> refusedAsPool() {
    return refusedEverywhere().filter(a -> ((List<?>) a.get()[1]).stream()
        .noneMatch(k -> k.toString().startsWith("/8 to") || k.toString().startsWith("/32 to")));
  }

  @ParameterizedTest
  @MethodSource("refusedAsPool")
  void refusedAsPoolWithWhatWouldBeAccepted(String cidr, List<String> keyWords) {
    assertThat(refusal(() -> POOL_RULES.pool(FIELD, cidr))).contains(keyWords);
  }

  @ParameterizedTest
  @ValueSource(strings = {"198.51.100.7/32", "198.51.100.0/30", "198.51.100.0/31", "2001:db8::7/128", "2001:db8::/96"})
  void aPoolReservesNothingSoItMayBeOneAddress(String cidr) {
    assertThat(IpText.canonical(RULES.pool(FIELD, cidr))).isEqualTo(cidr);
    assertThat(AddressRange.pool(cidr).capacity()).isEqualTo(AddressRange.pool(cidr).hi()
        .subtract(AddressRange.pool(cidr).lo()).add(java.math.BigInteger.ONE));
  }

  @ParameterizedTest
  @ValueSource(strings = {"0.0.0.0/0", "198.0.0.0/7", "::/0", "2001:db8::/31"})
  void poolBoundsAreSaid(String cidr) {
    assertThat(refusal(() -> RULES.pool(FIELD, cidr))).containsAnyOf("/8 to /32", "/32 to /128");
  }

  @ParameterizedTest
  @ValueSource(strings = {"127.0.0.0/8", "169.254.0.0/16", "224.0.0.0/8", "240.0.0.0/8", "0.0.0.0/8", "fe80::/64",
      "ff00::/32", "::/32"})
  void specialSpaceRefusalsSayWhatWouldBeAccepted(String cidr) {
    assertThat(refusal(() -> RULES.network(FIELD, cidr))).contains("cannot be used", "a network must lie within",
        "10.0.0.0/8", "fc00::/7");
    assertThat(refusal(() -> RULES.pool(FIELD, cidr))).contains("cannot be used", "anywhere outside",
        "special-purpose");
  }

  @Test
  void nullIsRequired() {
    assertThat(refusal(() -> RULES.network(FIELD, null))).contains("required", "CIDR block such as");
    assertThat(refusal(() -> RULES.pool(FIELD, null))).contains("required");
  }

  @Test
  void theFieldNamedIsTheOneGiven() {
    ApiException e = catchThrowableOfType(ApiException.class, () -> RULES.network("spec.ipv4Cidr", "10.0.0.5/24"));
    assertThat(violation(e, "spec.ipv4Cidr")).contains("10.0.0.0/24");
  }

  @ParameterizedTest
  @ValueSource(strings = {"8.8.8.0/24", "2001:db8::/48", "1.0.0.0/8", "172.32.0.0/16", "172.15.255.0/24",
      "100.128.0.0/10", "192.169.0.0/16", "fe00::/32", "2a00:1450::/32"})
  void publicSpaceIsNotANetworkButMayBeAPool(String cidr) {
    assertThat(refusal(() -> RULES.network(FIELD, cidr)))
        .contains("not private", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7",
            "the provider configures");
    assertThat(IpText.canonical(RULES.pool(FIELD, cidr))).isEqualTo(cidr);
  }

  @ParameterizedTest
  @ValueSource(strings = {"172.0.0.0/8", "192.168.0.0/15", "100.0.0.0/9"})
  void aBlockContainingAPrivateRangeIsNotInsideIt(String cidr) {
    assertThat(refusal(() -> RULES.network(FIELD, cidr))).contains("not private", cidr);
    assertThat(refusal(() -> RULES.pool(FIELD, cidr))).contains("ipam.networkRanges");
  }

  @Test
  void aProviderMayConfigureItsOwnNetworkRanges() {
    CidrRules rules = CidrRules.of(List.of("203.0.113.0/24"));
    assertThat(IpText.canonical(rules.network(FIELD, "203.0.113.0/25"))).isEqualTo("203.0.113.0/25");
    assertThat(IpText.canonical(rules.network(FIELD, "203.0.113.128/29"))).isEqualTo("203.0.113.128/29");
    assertThat(refusal(() -> rules.network(FIELD, "10.0.0.0/24"))).contains("203.0.113.0/24")
        .doesNotContain("10.0.0.0/8");
    assertThat(refusal(() -> rules.network(FIELD, "203.0.112.0/23"))).contains("203.0.113.0/24");
    assertThat(refusal(() -> rules.network(FIELD, "fd00::/48"))).contains("203.0.113.0/24");
    // The configured list does not lift the other rules.
    assertThat(refusal(() -> rules.network(FIELD, "203.0.113.5/25"))).contains("203.0.113.0/25");
    assertThat(rules.networkRanges()).extracting(IpText::canonical).containsExactly("203.0.113.0/24");
  }

  @Test
  void configuredRangesMustBeCanonicalBlocks() {
    assertThatThrownBy(() -> CidrRules.of(List.of("10.0.0.0/8", "192.168.1.1/16")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ipam.networkRanges")
        .hasMessageContaining("192.168.0.0/16");
    assertThatThrownBy(() -> CidrRules.of(List.of("FC00::/7")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("fc00::/7");
  }

  @Test
  void defaultsAreThePrivateRanges() {
    assertThat(RULES.networkRanges()).extracting(IpText::canonical)
        .containsExactlyElementsOf(CidrRules.DEFAULT_NETWORK_RANGES);
  }

  /** The description of the 400 {@code call} throws, or null when it returns. */
  private static String refusal(Runnable call) {
    try {
      call.run();
      return null;
    } catch (ApiException e) {
      return violation(e, FIELD);
    }
  }

  @SuppressWarnings("unchecked")
  private static String violation(ApiException e, String field) {
    assertThat(e).as("expected a 400").isNotNull();
    assertThat(e.status()).isEqualTo(400);
    assertThat(e.reason()).isEqualTo("INVALID_ARGUMENT");
    Map<String, Object> detail = e.details().get(0);
    assertThat(detail).containsEntry("@type", "BadRequest");
    List<Map<String, Object>> violations = (List<Map<String, Object>>) detail.get("fieldViolations");
    assertThat(violations).singleElement().satisfies(v -> assertThat(v).containsEntry("field", field));
    String description = (String) violations.get(0).get("description");
    assertThat(description).isNotBlank();
    return description;
  }
}
