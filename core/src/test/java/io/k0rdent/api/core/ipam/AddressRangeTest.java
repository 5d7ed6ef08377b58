package io.k0rdent.api.core.ipam;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import inet.ipaddr.IPAddress;
import inet.ipaddr.IPAddressString;
import inet.ipaddr.ipv4.IPv4Address;
import inet.ipaddr.ipv6.IPv6Address;
import java.math.BigInteger;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.PropertyDefaults;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/**
 * {@link AddressRange}: the usable run of a block (IPv4 without network, gateway, second-to-last and
 * broadcast; IPv6 without the subnet-router anycast address), its capacity, why an address is reserved, that
 * a random pick stays in the run, that {@code firstGap} agrees with a brute-force model, that {@code sortKey}
 * orders as the numbers do (IPv4 first), and that {@code text} round-trips through {@link IpText#address}.
 */
@PropertyDefaults(tries = 1000)
class AddressRangeTest {

  private static final BigInteger TWO_64 = BigInteger.TWO.pow(64);

  private static IPAddress ip(String text) {
    return new IPAddressString(text).getAddress();
  }

  private static BigInteger value(String text) {
    return ip(text).getValue();
  }

  // ---------------------------------------------------------------------------------------------
  // Examples.

  /** A block with no usable address is refused, so {@code random} can never spin on an empty range. */
  @Example
  void blocksWithoutUsableAddressesAreRefused() {
    for (String cidr : List.of("10.0.0.0/30", "10.0.0.0/31", "10.0.0.7/32", "fd00::1/128")) {
      assertThatThrownBy(() -> AddressRange.of(cidr)).as(cidr).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("no usable address");
    }
    assertThat(AddressRange.of("fd00::/127").capacity()).isEqualTo(BigInteger.ONE);
  }

  @Example
  void ipv4Slash24() {
    AddressRange r = AddressRange.of("10.0.0.0/24");
    assertThat(r.cidr()).isEqualTo("10.0.0.0/24");
    assertThat(r.toString()).isEqualTo("10.0.0.0/24");
    assertThat(r.ipv4()).isTrue();
    assertThat(r.ipVersion()).isEqualTo("IPV4");
    assertThat(r.text(r.lo())).isEqualTo("10.0.0.2");
    assertThat(r.text(r.hi())).isEqualTo("10.0.0.253");
    assertThat(r.lo()).isEqualTo(value("10.0.0.2"));
    assertThat(r.hi()).isEqualTo(value("10.0.0.253"));
    assertThat(r.capacity()).isEqualTo(BigInteger.valueOf(252));
    assertThat(r.reservedReason(ip("10.0.0.0"))).contains("network");
    assertThat(r.reservedReason(ip("10.0.0.1"))).contains("gateway");
    assertThat(r.reservedReason(ip("10.0.0.254"))).contains("second-to-last");
    assertThat(r.reservedReason(ip("10.0.0.255"))).contains("broadcast");
    assertThat(r.reservedReason(ip("10.0.0.2"))).isNull();
    assertThat(r.reservedReason(ip("10.0.0.253"))).isNull();
    assertThat(r.reservedReason(ip("10.0.0.128"))).isNull();
  }

  @Example
  void ipv4Slash29HasFourUsableAddresses() {
    AddressRange r = AddressRange.of("192.168.1.8/29");
    assertThat(r.capacity()).isEqualTo(BigInteger.valueOf(4));
    assertThat(r.text(r.lo())).isEqualTo("192.168.1.10");
    assertThat(r.text(r.hi())).isEqualTo("192.168.1.13");
  }

  @Example
  void ipv4Slash8() {
    AddressRange r = AddressRange.of("10.0.0.0/8");
    assertThat(r.capacity()).isEqualTo(BigInteger.valueOf((1L << 24) - 4));
    assertThat(r.text(r.hi())).isEqualTo("10.255.255.253");
  }

  @Example
  void ipv4AboveTwoToThe31RendersUnsigned() {
    AddressRange r = AddressRange.of("192.168.0.0/16");
    assertThat(r.lo()).isEqualTo(BigInteger.valueOf(0xC0A80002L));
    assertThat(r.text(r.lo())).isEqualTo("192.168.0.2");
    assertThat(r.address(r.hi()).toCanonicalString()).isEqualTo("192.168.255.253");
  }

  @Example
  void ipv6Slash64() {
    AddressRange r = AddressRange.of("fd00:1:2:3::/64");
    BigInteger first = value("fd00:1:2:3::");
    assertThat(r.ipv4()).isFalse();
    assertThat(r.ipVersion()).isEqualTo("IPV6");
    assertThat(r.lo()).isEqualTo(first.add(BigInteger.ONE));
    assertThat(r.hi()).isEqualTo(value("fd00:1:2:3:ffff:ffff:ffff:ffff"));
    assertThat(r.capacity()).isEqualTo(TWO_64.subtract(BigInteger.ONE));
    assertThat(r.text(r.lo())).isEqualTo("fd00:1:2:3::1");
    assertThat(r.reservedReason(ip("fd00:1:2:3::"))).contains("subnet-router anycast");
    assertThat(r.reservedReason(ip("fd00:1:2:3::1"))).isNull();
    assertThat(r.reservedReason(ip("fd00:1:2:3:ffff:ffff:ffff:fffe"))).isNull();
    assertThat(r.reservedReason(ip("fd00:1:2:3:ffff:ffff:ffff:ffff"))).isNull();
  }

  @Example
  void containsOnlyItsOwnFamilyAndBlock() {
    AddressRange v4 = AddressRange.of("10.0.0.0/24");
    assertThat(v4.contains(ip("10.0.0.0"))).isTrue();
    assertThat(v4.contains(ip("10.0.0.255"))).isTrue();
    assertThat(v4.contains(ip("10.0.1.0"))).isFalse();
    assertThat(v4.contains(ip("::a00:1"))).isFalse();
    AddressRange v6 = AddressRange.of("fd00::/64");
    assertThat(v6.contains(ip("fd00::ffff"))).isTrue();
    assertThat(v6.contains(ip("fd00:0:0:1::"))).isFalse();
    assertThat(v6.contains(ip("10.0.0.1"))).isFalse();
  }

  @Example
  void onlyPrefixBlocksMakeARange() {
    assertThatThrownBy(() -> AddressRange.of(ip("10.0.0.5/24"))).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> AddressRange.of(ip("10.0.0.5"))).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> AddressRange.of((IPAddress) null)).isInstanceOf(IllegalArgumentException.class);
  }

  @Example
  void randomReachesEveryUsableAddressOfASlash29() {
    AddressRange r = AddressRange.of("10.0.0.0/29");
    Random random = new Random(42);
    Set<BigInteger> seen = new HashSet<>();
    for (int i = 0; i < 400; i++) {
      seen.add(r.random(random));
    }
    assertThat(seen).containsExactlyInAnyOrder(value("10.0.0.2"), value("10.0.0.3"), value("10.0.0.4"),
        value("10.0.0.5"));
  }

  @Example
  void firstGapExamples() {
    assertThat(AddressRange.firstGap(big(5), List.of())).isEqualTo(big(5));
    assertThat(AddressRange.firstGap(big(5), bigs(5, 6, 7))).isEqualTo(big(8));
    assertThat(AddressRange.firstGap(big(5), bigs(5, 6, 8, 9))).isEqualTo(big(7));
    assertThat(AddressRange.firstGap(big(5), bigs(6, 7))).isEqualTo(big(5));
    assertThat(AddressRange.firstGap(big(5), bigs(1, 2, 5, 7))).isEqualTo(big(6));
    assertThat(AddressRange.firstGap(big(5), bigs(5, 5, 6))).isEqualTo(big(7));
  }

  @Example
  void sortKeyExamples() {
    assertThat(AddressRange.sortKey(ip("10.0.0.1"))).isEqualTo("4" + "0".repeat(24) + "0a000001");
    assertThat(AddressRange.sortKey(ip("::1"))).isEqualTo("6" + "0".repeat(31) + "1");
    assertThat(AddressRange.sortKey(ip("255.255.255.255"))).isLessThan(AddressRange.sortKey(ip("::")));
    assertThat(AddressRange.sortKey(ip("10.0.0.9"))).isLessThan(AddressRange.sortKey(ip("10.0.0.10")));
  }

  // ---------------------------------------------------------------------------------------------
  // Properties.

  @Property
  void usableRunMatchesTheReservations(@ForAll("blocks") IPAddress block) {
    AddressRange r = AddressRange.of(block);
    BigInteger first = block.getLower().getValue();
    BigInteger last = block.getUpper().getValue();
    int reservedAtStart = block.isIPv4() ? 2 : 1;
    int reservedAtEnd = block.isIPv4() ? 2 : 0;
    assertThat(r.lo()).isEqualTo(first.add(BigInteger.valueOf(reservedAtStart)));
    assertThat(r.hi()).isEqualTo(last.subtract(BigInteger.valueOf(reservedAtEnd)));
    assertThat(r.capacity()).isEqualTo(block.getCount().subtract(BigInteger.valueOf(reservedAtStart + reservedAtEnd)));
    for (BigInteger v = first; v.compareTo(r.lo()) < 0; v = v.add(BigInteger.ONE)) {
      assertThat(r.reservedReason(r.address(v))).isNotNull();
    }
    for (BigInteger v = last; v.compareTo(r.hi()) > 0; v = v.subtract(BigInteger.ONE)) {
      assertThat(r.reservedReason(r.address(v))).isNotNull();
    }
    assertThat(r.reservedReason(r.address(r.lo()))).isNull();
    assertThat(r.reservedReason(r.address(r.hi()))).isNull();
  }

  @Property
  void randomStaysWithinTheUsableRun(@ForAll("blocks") IPAddress block, @ForAll long seed) {
    AddressRange r = AddressRange.of(block);
    Random random = new Random(seed);
    for (int i = 0; i < 20; i++) {
      BigInteger v = r.random(random);
      assertThat(v).isBetween(r.lo(), r.hi());
      assertThat(r.contains(r.address(v))).isTrue();
      assertThat(r.reservedReason(r.address(v))).isNull();
    }
  }

  @Property
  void textRoundTripsThroughIpText(@ForAll("blocks") IPAddress block, @ForAll long seed) {
    AddressRange r = AddressRange.of(block);
    BigInteger v = r.random(new Random(seed));
    for (BigInteger x : List.of(v, r.lo(), r.hi())) {
      String text = r.text(x);
      IPAddress parsed = IpText.address("ipAddress", text);
      assertThat(IpText.canonical(parsed)).isEqualTo(text);
      assertThat(parsed.getValue()).isEqualTo(x);
      assertThat(parsed.isIPv4()).isEqualTo(r.ipv4());
      assertThat(r.address(x).getValue()).isEqualTo(x);
      assertThat(r.contains(parsed)).isTrue();
    }
  }

  @Property
  void firstGapAgreesWithABruteForceModel(@ForAll @IntRange(min = 0, max = 30) int from,
      @ForAll @Size(max = 25) List<@IntRange(min = 0, max = 40) Integer> taken) {
    List<BigInteger> ascending = taken.stream().sorted().map(BigInteger::valueOf).toList();
    Set<Integer> set = new HashSet<>(taken);
    int expected = from;
    while (set.contains(expected)) {
      expected++;
    }
    assertThat(AddressRange.firstGap(big(from), ascending)).isEqualTo(big(expected));
  }

  @Property
  void sortKeyOrderIsNumericOrderWithIpv4First(@ForAll("addresses") IPAddress a, @ForAll("addresses") IPAddress b) {
    int expected = a.isIPv4() != b.isIPv4() ? (a.isIPv4() ? -1 : 1) : a.getValue().compareTo(b.getValue());
    String ka = AddressRange.sortKey(a);
    String kb = AddressRange.sortKey(b);
    assertThat(Integer.signum(ka.compareTo(kb))).isEqualTo(Integer.signum(expected));
    assertThat(ka).hasSize(33);
  }

  // ---------------------------------------------------------------------------------------------
  // Generators.

  /** Blocks the rules allow in size (IPv4 /8../29, IPv6 /32../64), anywhere in the address space. */
  @Provide
  Arbitrary<IPAddress> blocks() {
    Arbitrary<IPAddress> v4 = Combinators.combine(Arbitraries.longs().between(0, 0xFFFFFFFFL),
            Arbitraries.integers().between(CidrRules.IPV4_MIN_PREFIX, CidrRules.IPV4_MAX_PREFIX))
        .as((v, p) -> (IPAddress) new IPv4Address(v.intValue()).setPrefixLength(p, false).toPrefixBlock());
    Arbitrary<IPAddress> v6 = Combinators.combine(Arbitraries.bigIntegers().between(BigInteger.ZERO,
                BigInteger.TWO.pow(128).subtract(BigInteger.ONE)),
            Arbitraries.integers().between(CidrRules.IPV6_MIN_PREFIX, CidrRules.IPV6_MAX_PREFIX))
        .as((v, p) -> (IPAddress) new IPv6Address(v).setPrefixLength(p, false).toPrefixBlock())
        .filter(b -> !b.toIPv6().isIPv4Mapped());
    return Arbitraries.oneOf(v4, v6);
  }

  /** Single addresses of both families, with many near neighbours and the extremes. */
  @Provide
  Arbitrary<IPAddress> addresses() {
    Arbitrary<IPAddress> v4 = Arbitraries.frequencyOf(
        Tuple.of(3, Arbitraries.longs().between(0, 0xFFFFFFFFL)),
        Tuple.of(1, Arbitraries.longs().between(0x0A000000L, 0x0A00000FL)))
        .map(v -> (IPAddress) new IPv4Address(v.intValue()));
    Arbitrary<IPAddress> v6 = Arbitraries.frequencyOf(
        Tuple.of(3, Arbitraries.bigIntegers().between(BigInteger.ZERO,
            BigInteger.TWO.pow(128).subtract(BigInteger.ONE))),
        Tuple.of(1, Arbitraries.bigIntegers().between(BigInteger.ZERO, BigInteger.valueOf(300))))
        .map(v -> (IPAddress) new IPv6Address(v));
    return Arbitraries.oneOf(v4, v6);
  }

  private static BigInteger big(long v) {
    return BigInteger.valueOf(v);
  }

  private static List<BigInteger> bigs(long... vs) {
    return Arrays.stream(vs).mapToObj(BigInteger::valueOf).toList();
  }
}
