package io.k0rdent.api.core.ipam;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import inet.ipaddr.IPAddress;
import io.k0rdent.api.core.error.ApiException;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.PropertyDefaults;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;
import net.jqwik.api.Tuple;

/**
 * Properties of {@link IpText} (and of {@link CidrRules} on the same inputs) over generated text: no input,
 * however malformed, escapes as anything but a 400 {@link ApiException} naming the field; whatever is accepted
 * is exactly its canonical text (nothing is normalised) and round-trips; canonical renderings of random
 * blocks (RFC 5952 written independently here) are accepted, and every non-canonical rendering, host-bits
 * block and IPv4-mapped address is refused with a hint that names the value that would be accepted — and
 * any value a hint suggests is itself accepted.
 */
@PropertyDefaults(tries = 1000)
class IpTextPropertiesTest {

  private static final String CIDR = "cidr";
  private static final String ADDR = "ipAddress";
  private static final String ALPHABET = "0123456789abcdefABCDEF.:/";

  // ---------------------------------------------------------------------------------------------
  // Any input: accepted exactly as canonical text, or a 400 naming the field.

  @Property
  void anyUnicodeString(@ForAll("anyText") String s) {
    checkAnyInput(s);
  }

  @Property
  void anyStringOverTheAddressAlphabet(@ForAll("alphabetText") String s) {
    checkAnyInput(s);
  }

  @Property
  void plausiblyStructuredStrings(@ForAll("plausible") String s) {
    Outcome o = checkAnyInput(s);
    Statistics.label("cidr").collect(o.cidr());
    Statistics.label("address").collect(o.address());
    // The generator must reach the accepting branches, or the checks above prove nothing about them.
    Statistics.label("cidr").coverage(c -> c.check(true).count(n -> n >= 10));
    Statistics.label("address").coverage(c -> c.check(true).count(n -> n >= 10));
  }

  @Property
  void mutationsOfValidBlocks(@ForAll("mutated") String s) {
    Outcome o = checkAnyInput(s);
    Statistics.label("accepted").collect(o.cidr() || o.address());
    Statistics.label("accepted").coverage(c -> c.check(true).count(n -> n >= 10));
  }

  /** The examples and the counterexamples the properties found, kept as fixed cases. */
  @Example
  void fixedInputs() {
    for (String s : List.of("", "/", "::", ":::", "::/0", "0.0.0.0/0", "1.2.3.4/32", "1.2.3.4/33", "::/128",
        "::/129", "10.0.0.5", "fd00::1", "10.0.0.0/024", "::ffff:10.0.0.1", "::ffff:10.0.0.0/104",
        "::ffff:a00:0/104", "0:0:0:0:0:ffff:a00:1", "1:2:3:4:5:6:7:8:9", "1.2.3.4.5", "1..2.3", "1:2:3:4:5:6:1.2.3.4",
        "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128", "255.255.255.255/32", "99999999999999999999",
        "0x0a.0.0.0/8", "1e1.0.0.0/8", "::1.2.3.4/120", "a:b:c:d:e:f:0:1/64", "0000:0000::/32", "0.0112.0.0/12",
        "10.0.0.0/0024", "fd00::/064", "fd00::/0")) {
      checkAnyInput(s);
    }
  }

  /** Which of the calls accepted the input. */
  record Outcome(boolean cidr, boolean address) {}

  private static Outcome checkAnyInput(String s) {
    Optional<IPAddress> cidr = outcome(() -> IpText.cidr(CIDR, s), CIDR, IpText::cidr);
    cidr.ifPresent(a -> {
      assertThat(IpText.canonical(a)).isEqualTo(s);
      assertThat(a.getNetworkPrefixLength()).isNotNull().isBetween(0, a.getBitCount());
      assertThat(a.isPrefixBlock()).isTrue();
      assertRoundTrip(a, IpText.cidr(CIDR, IpText.canonical(a)));
    });
    Optional<IPAddress> address = outcome(() -> IpText.address(ADDR, s), ADDR, IpText::address);
    address.ifPresent(a -> {
      assertThat(IpText.canonical(a)).isEqualTo(s);
      assertThat(a.getNetworkPrefixLength()).isNull();
      assertThat(a.isMultiple()).isFalse();
      assertRoundTrip(a, IpText.address(ADDR, IpText.canonical(a)));
    });
    CidrRules rules = CidrRules.defaults();
    outcome(() -> rules.network(CIDR, s), CIDR, null).ifPresent(a -> {
      assertThat(IpText.canonical(a)).isEqualTo(s);
      assertWithinRuleBounds(a);
      assertThat(CidrRules.DEFAULT_NETWORK_RANGES.stream().map(r -> IpText.cidr("r", r)))
          .anyMatch(r -> r.getIPVersion() == a.getIPVersion() && r.contains(a));
    });
    outcome(() -> rules.pool(CIDR, s), CIDR, null).ifPresent(a -> {
      assertThat(IpText.canonical(a)).isEqualTo(s);
      assertThat(a.getNetworkPrefixLength()).isBetween(a.isIPv4() ? CidrRules.IPV4_MIN_PREFIX : CidrRules.IPV6_MIN_PREFIX,
          a.isIPv4() ? CidrRules.POOL_IPV4_MAX_PREFIX : CidrRules.POOL_IPV6_MAX_PREFIX);
      assertThat(CidrRules.DEFAULT_NETWORK_RANGES.stream().map(r -> IpText.cidr("r", r)))
          .noneMatch(r -> r.getIPVersion() == a.getIPVersion() && (r.contains(a) || a.contains(r)));
    });
    return new Outcome(cidr.isPresent(), address.isPresent());
  }

  private static void assertWithinRuleBounds(IPAddress a) {
    int p = a.getNetworkPrefixLength();
    if (a.isIPv4()) {
      assertThat(p).isBetween(CidrRules.IPV4_MIN_PREFIX, CidrRules.IPV4_MAX_PREFIX);
    } else {
      assertThat(p).isBetween(CidrRules.IPV6_MIN_PREFIX, CidrRules.IPV6_MAX_PREFIX);
    }
  }

  private static void assertRoundTrip(IPAddress a, IPAddress again) {
    assertThat(again).isEqualTo(a);
    assertThat(again.getNetworkPrefixLength()).isEqualTo(a.getNetworkPrefixLength());
    assertThat(again.getValue()).isEqualTo(a.getValue());
    assertThat(again.getUpperValue()).isEqualTo(a.getUpperValue());
  }

  /**
   * Runs {@code call}: its result, or empty after checking the 400 it threw. Any other throwable escapes
   * and fails the property. When {@code same} is given, every value the description suggests must be
   * accepted by it (a hint never proposes something the server would refuse).
   */
  private static Optional<IPAddress> outcome(Supplier<IPAddress> call, String field, Parser same) {
    try {
      IPAddress a = call.get();
      assertThat(a).isNotNull();
      return Optional.of(a);
    } catch (ApiException e) {
      String description = violation(e, field);
      if (same != null) {
        for (String hint : suggestions(description)) {
          assertThat(catchThrowableOfType(ApiException.class, () -> same.parse(field, hint)))
              .as("the hint '%s' in \"%s\" must itself be accepted", hint, description).isNull();
        }
      }
      return Optional.empty();
    }
  }

  @FunctionalInterface
  private interface Parser {
    IPAddress parse(String field, String text);
  }

  private static final Pattern SUGGESTION =
      Pattern.compile("(?:e\\.g\\.|write|prefix is) ([0-9a-f.:/]*[.:][0-9a-f.:/]*)");

  /** The values a description proposes ("e.g. X", "write X", "the network of that prefix is X"). */
  static List<String> suggestions(String description) {
    List<String> out = new ArrayList<>();
    Matcher m = SUGGESTION.matcher(description);
    while (m.find()) {
      out.add(m.group(1));
    }
    return out;
  }

  /** The description of the single field violation of a 400 naming {@code field}. */
  @SuppressWarnings("unchecked")
  static String violation(ApiException e, String field) {
    assertThat(e.status()).isEqualTo(400);
    assertThat(e.reason()).isEqualTo("INVALID_ARGUMENT");
    assertThat(e.details()).hasSize(1);
    Map<String, Object> detail = e.details().get(0);
    assertThat(detail).containsEntry("@type", "BadRequest");
    List<Map<String, Object>> violations = (List<Map<String, Object>>) detail.get("fieldViolations");
    assertThat(violations).hasSize(1);
    assertThat(violations.get(0)).containsEntry("field", field);
    String description = (String) violations.get(0).get("description");
    assertThat(description).isNotBlank();
    return description;
  }

  private static String rejected(Supplier<IPAddress> call, String field) {
    ApiException e = catchThrowableOfType(ApiException.class, call::get);
    assertThat(e).as("expected a 400").isNotNull();
    return violation(e, field);
  }

  // ---------------------------------------------------------------------------------------------
  // Canonical renderings are accepted; non-canonical ones are refused with the canonical text.

  @Property
  void canonicalIpv4BlocksAreAccepted(@ForAll("v4Blocks") Block b) {
    assertAcceptedAsIs(b);
  }

  @Property
  void canonicalIpv6BlocksAreAccepted(@ForAll("v6Blocks") Block b) {
    assertAcceptedAsIs(b);
  }

  @Property
  void canonicalAddressesAreAccepted(@ForAll("addresses") Block b) {
    String text = b.addressText();
    IPAddress a = IpText.address(ADDR, text);
    assertThat(IpText.canonical(a)).isEqualTo(text);
    assertThat(a.getValue()).isEqualTo(b.value());
    assertThat(a.isIPv4()).isEqualTo(b.v4());
  }

  private static void assertAcceptedAsIs(Block b) {
    String text = b.canonical();
    IPAddress a = IpText.cidr(CIDR, text);
    assertThat(IpText.canonical(a)).isEqualTo(text);
    assertThat(a.getValue()).isEqualTo(b.value());
    assertThat(a.getNetworkPrefixLength()).isEqualTo(b.prefix());
    assertThat(a.isPrefixBlock()).isTrue();
  }

  @Property
  void ipv4LeadingZerosAreRefusedWithTheCanonicalForm(@ForAll("v4Blocks") Block b, @ForAll("octetPadding") List<Integer> zeros) {
    int[] o = b.groups();
    // At most three digits an octet: the library refuses longer ones outright ("segment too long").
    String text = IntStream.range(0, 4).mapToObj(i -> "0".repeat(Math.min(zeros.get(i), 3 - String.valueOf(o[i]).length())) + o[i])
        .collect(Collectors.joining(".")) + "/" + b.prefix();
    Assume.that(!text.equals(b.canonical()));
    assertRefusedNaming(text, b.canonical());
  }

  @Property
  void ipv6UppercaseIsRefusedWithTheCanonicalForm(@ForAll("v6BlocksWithLetters") Block b) {
    assertRefusedNaming(b.canonical().toUpperCase(Locale.ROOT), b.canonical());
  }

  @Property
  void ipv6UncompressedIsRefusedWithTheCanonicalForm(@ForAll("v6BlocksWithCompression") Block b) {
    String uncompressed = IntStream.of(b.groups()).mapToObj(Integer::toHexString).collect(Collectors.joining(":"));
    assertRefusedNaming(uncompressed + "/" + b.prefix(), b.canonical());
  }

  @Property
  void ipv6FullFormIsRefusedWithTheCanonicalForm(@ForAll("v6Blocks") Block b) {
    String full = IntStream.of(b.groups()).mapToObj(g -> String.format("%04x", g)).collect(Collectors.joining(":"))
        + "/" + b.prefix();
    if (!full.equals(b.canonical())) {
      assertRefusedNaming(full, b.canonical());
    } else {
      assertAcceptedAsIs(b);
    }
  }

  @Property
  void ipv6LeadingZeroInAGroupIsRefusedWithTheCanonicalForm(@ForAll("v6Blocks") Block b, @ForAll("indexes") int pick) {
    // Pad one printed group (one outside the compressed run) with a zero.
    int[] g = b.groups();
    int[] run = rfc5952Run(g);
    List<Integer> printed = IntStream.range(0, 8).filter(i -> i < run[0] || i >= run[0] + run[1])
        .filter(i -> Integer.toHexString(g[i]).length() < 4).boxed().toList();
    if (printed.isEmpty()) {
      return;
    }
    int padded = printed.get(pick % printed.size());
    String text = render(g, run[0], run[1], padded) + "/" + b.prefix();
    assertRefusedNaming(text, b.canonical());
  }

  @Property
  void ipv6CompressingAnyOtherZeroRunIsRefused(@ForAll("v6BlocksWithZeroRun") Block b, @ForAll("indexes") int pick) {
    // Every run of consecutive zero groups except the one RFC 5952 picks: shorter ones, later ones of equal
    // length, a part of the longest, and single zero groups (§4.2.2).
    int[] g = b.groups();
    int[] canonicalRun = rfc5952Run(g);
    List<int[]> others = new ArrayList<>();
    for (int start = 0; start < 8; start++) {
      for (int len = 1; start + len <= 8 && g[start + len - 1] == 0; len++) {
        if (start != canonicalRun[0] || len != canonicalRun[1]) {
          others.add(new int[] {start, len});
        }
      }
    }
    if (others.isEmpty()) {
      return;
    }
    int[] run = others.get(pick % others.size());
    assertRefusedNaming(render(g, run[0], run[1], -1) + "/" + b.prefix(), b.canonical());
  }

  @Property
  void ipv6SingleZeroGroupIsNeverCompressed(@ForAll("v6BlocksWithLoneZero") Block b, @ForAll("indexes") int pick) {
    int[] g = b.groups();
    List<Integer> lone = loneZeros(g);
    int i = lone.get(pick % lone.size());
    assertRefusedNaming(render(g, i, 1, -1) + "/" + b.prefix(), b.canonical());
  }

  private static void assertRefusedNaming(String text, String canonical) {
    assertThat(text).isNotEqualTo(canonical);
    String d = rejected(() -> IpText.cidr(CIDR, text), CIDR);
    assertThat(d).contains(canonical).contains("canonical");
    // Its address part alone, when that is non-canonical too, is refused by address() with the canonical address.
    String address = text.substring(0, text.indexOf('/'));
    String canonicalAddress = canonical.substring(0, canonical.indexOf('/'));
    if (!address.equals(canonicalAddress)) {
      assertThat(rejected(() -> IpText.address(ADDR, address), ADDR)).contains("write " + canonicalAddress + " ");
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Host bits and IPv4-mapped addresses.

  @Property
  void hostBitsSetAreRefusedWithTheNetwork(@ForAll("hostBitBlocks") Block b) {
    String text = b.addressTextWithPrefix();
    String d = rejected(() -> IpText.cidr(CIDR, text), CIDR);
    String network = b.network().canonical();
    assertThat(d).contains("host bits").contains(network);
  }

  @Property
  void ipv4MappedIsRefused(@ForAll("mapped") String text) {
    // With or without a prefix length, whatever else is wrong: the mapping is what is named.
    assertThat(rejected(() -> IpText.cidr(CIDR, text), CIDR)).contains("IPv4-mapped", "IPv4 form");
    assertThat(rejected(() -> IpText.address(ADDR, text), ADDR)).contains("IPv4-mapped", "IPv4 form");
    assertThat(rejected(() -> CidrRules.defaults().pool(CIDR, text), CIDR)).contains("IPv4-mapped");
    assertThat(rejected(() -> CidrRules.defaults().network(CIDR, text), CIDR)).contains("IPv4-mapped");
  }

  /**
   * Counterexample: the library option that refuses leading zeros in a prefix length also refused every
   * {@code /0} ("prefix length starts with zero"), so the canonical {@code 0.0.0.0/0} and {@code ::/0} were
   * "not a CIDR block". Leading zeros in the prefix now get the canonical hint like any other.
   */
  @Example
  void zeroPrefixParsesAndPaddedPrefixGetsTheCanonicalHint() {
    assertThat(IpText.canonical(IpText.cidr(CIDR, "0.0.0.0/0"))).isEqualTo("0.0.0.0/0");
    assertThat(IpText.canonical(IpText.cidr(CIDR, "::/0"))).isEqualTo("::/0");
    assertThat(rejected(() -> IpText.cidr(CIDR, "10.0.0.0/0"), CIDR)).contains("host bits").contains("0.0.0.0/0");
    assertThat(rejected(() -> IpText.cidr(CIDR, "10.0.0.0/024"), CIDR)).contains("write 10.0.0.0/24 ");
    assertThat(rejected(() -> IpText.cidr(CIDR, "fd00::/048"), CIDR)).contains("write fd00::/48 ");
    assertThat(rejected(() -> IpText.cidr(CIDR, "10.0.0.0/33"), CIDR)).contains("not a CIDR block");
  }

  /**
   * Counterexamples the properties found: a hint proposed a value the same call refuses (no prefix:
   * "e.g. 10.0.0.5/24", host bits set; a mapped address with a prefix: "e.g. ::ffff:a00:0", mapped).
   */
  @Example
  void hintsOfFoundCounterexamplesAreAcceptable() {
    String d = rejected(() -> IpText.cidr(CIDR, "10.0.0.5"), CIDR);
    assertThat(d).contains("10.0.0.0/24").doesNotContain("10.0.0.5/24");
    assertThat(IpText.cidr(CIDR, "10.0.0.0/24")).isNotNull();
    assertThat(rejected(() -> IpText.cidr(CIDR, "fd00::1"), CIDR)).contains("fd00::/64");
    assertThat(rejected(() -> IpText.address(ADDR, "::ffff:10.0.0.0/104"), ADDR)).contains("IPv4-mapped");
    assertThat(rejected(() -> IpText.cidr(CIDR, "::ffff:10.0.0.1"), CIDR)).contains("IPv4-mapped");
  }

  // ---------------------------------------------------------------------------------------------
  // The value model and its canonical rendering, written independently of the library.

  /** A value of {@code v4 ? 32 : 128} bits with a prefix length. */
  record Block(boolean v4, BigInteger value, int prefix) {

    int bits() {
      return v4 ? 32 : 128;
    }

    Block network() {
      int host = bits() - prefix;
      return new Block(v4, value.shiftRight(host).shiftLeft(host), prefix);
    }

    boolean hostBitsZero() {
      return network().value.equals(value);
    }

    boolean mapped() {
      return !v4 && value.shiftRight(32).equals(BigInteger.valueOf(0xffff));
    }

    /** Octets (IPv4) or 16-bit groups (IPv6), most significant first. */
    int[] groups() {
      int n = v4 ? 4 : 8;
      int width = v4 ? 8 : 16;
      int[] g = new int[n];
      for (int i = 0; i < n; i++) {
        g[i] = value.shiftRight((n - 1 - i) * width).intValue() & ((1 << width) - 1);
      }
      return g;
    }

    String addressText() {
      int[] g = groups();
      if (v4) {
        return IntStream.of(g).mapToObj(Integer::toString).collect(Collectors.joining("."));
      }
      int[] run = rfc5952Run(g);
      return render(g, run[0], run[1], -1);
    }

    String addressTextWithPrefix() {
      return addressText() + "/" + prefix;
    }

    /** RFC 5952 (IPv6) or dotted-decimal (IPv4) text of this block. */
    String canonical() {
      return addressTextWithPrefix();
    }

    @Override
    public String toString() {
      return addressTextWithPrefix();
    }
  }

  /** RFC 5952 §4.2: the first of the longest runs of two or more zero groups, as {start, length}. */
  static int[] rfc5952Run(int[] g) {
    int bestStart = -1;
    int bestLen = 0;
    for (int i = 0; i < g.length; ) {
      if (g[i] != 0) {
        i++;
        continue;
      }
      int j = i;
      while (j < g.length && g[j] == 0) {
        j++;
      }
      if (j - i >= 2 && j - i > bestLen) {
        bestStart = i;
        bestLen = j - i;
      }
      i = j;
    }
    return new int[] {bestStart, bestLen};
  }

  /** Groups in lowercase hex without leading zeros, {@code len} groups from {@code start} as "::". */
  static String render(int[] g, int start, int len, int padGroup) {
    List<String> parts = new ArrayList<>();
    for (int i = 0; i < g.length; i++) {
      String h = Integer.toHexString(g[i]);
      parts.add(i == padGroup ? "0" + h : h);
    }
    if (len <= 0) {
      return String.join(":", parts);
    }
    return String.join(":", parts.subList(0, start)) + "::" + String.join(":", parts.subList(start + len, g.length));
  }

  static List<Integer> loneZeros(int[] g) {
    return IntStream.range(0, g.length)
        .filter(i -> g[i] == 0 && (i == 0 || g[i - 1] != 0) && (i == g.length - 1 || g[i + 1] != 0)).boxed().toList();
  }

  static BigInteger valueOf(List<Integer> groups, int width) {
    BigInteger v = BigInteger.ZERO;
    for (int g : groups) {
      v = v.shiftLeft(width).or(BigInteger.valueOf(g));
    }
    return v;
  }

  // ---------------------------------------------------------------------------------------------
  // Generators.

  @Provide
  Arbitrary<String> anyText() {
    return Arbitraries.strings().all().ofMaxLength(80);
  }

  @Provide
  Arbitrary<String> alphabetText() {
    return Arbitraries.strings().withChars(ALPHABET).ofMaxLength(50);
  }

  @Provide
  Arbitrary<String> plausible() {
    // Valid blocks given another prefix length: host bits set or not, prefix in or out of range.
    Arbitrary<String> reprefixed = Combinators.combine(Arbitraries.oneOf(v4Blocks(), v6Blocks()), prefixText(140))
        .as((b, p) -> b.addressText() + p);
    return Arbitraries.oneOf(ipv4ish(), ipv6ish(), reprefixed);
  }

  private static Arbitrary<String> ipv4ish() {
    Arbitrary<String> octet = Arbitraries.frequencyOf(
        Tuple.of(5, Arbitraries.just("0")),
        Tuple.of(6, Arbitraries.integers().between(0, 255).map(String::valueOf)),
        Tuple.of(1, Arbitraries.integers().between(256, 99999).map(String::valueOf)),
        Tuple.of(1, Arbitraries.integers().between(0, 255).map(i -> "0" + i)),
        Tuple.of(1, Arbitraries.just("")));
    Arbitrary<String> address = octet.list().ofMinSize(1).ofMaxSize(6).map(l -> String.join(".", l));
    return Combinators.combine(address, prefixText(40)).as((a, p) -> a + p);
  }

  private static Arbitrary<String> ipv6ish() {
    Arbitrary<String> group = Arbitraries.frequencyOf(
        Tuple.of(4, Arbitraries.just("0")),
        Tuple.of(4, Arbitraries.strings().withChars("123456789abcdef").ofLength(1)
            .flatMap(c -> Arbitraries.strings().withChars("0123456789abcdef").ofMaxLength(3).map(t -> c + t))),
        Tuple.of(2, Arbitraries.strings().withChars("0123456789abcdefABCDEF").ofMinLength(1).ofMaxLength(4)),
        Tuple.of(1, Arbitraries.strings().withChars("0123456789abcdef").ofMinLength(5).ofMaxLength(6)),
        Tuple.of(1, Arbitraries.just("")));
    Arbitrary<List<String>> groups = group.list().ofMinSize(1).ofMaxSize(9);
    Arbitrary<String> tail = Arbitraries.frequencyOf(
        Tuple.of(4, Arbitraries.just("")),
        Tuple.of(1, ipv4ish().map(s -> ":" + s)));
    Arbitrary<Integer> doubleColonAt = Arbitraries.integers().between(-1, 9);
    return Combinators.combine(groups, doubleColonAt, tail, prefixText(140)).as((gs, at, t, p) -> {
      StringBuilder sb = new StringBuilder();
      for (int i = 0; i < gs.size(); i++) {
        if (i > 0) {
          sb.append(i == at ? "::" : ":");
        }
        sb.append(gs.get(i));
      }
      if (at == 0) {
        sb.insert(0, "::");
      }
      return sb + t + (t.contains("/") ? "" : p);
    });
  }

  private static Arbitrary<String> prefixText(int max) {
    return Arbitraries.frequencyOf(
        Tuple.of(3, Arbitraries.just("")),
        Tuple.of(6, Arbitraries.integers().between(0, max).map(p -> "/" + p)),
        Tuple.of(1, Arbitraries.integers().between(0, max).map(p -> "/0" + p)),
        Tuple.of(1, Arbitraries.of("/", "//24", "/-1", "/24/24", "/99999999999")));
  }

  @Provide
  Arbitrary<String> mutated() {
    Arbitrary<String> valid = Arbitraries.oneOf(v4Blocks(), v6Blocks(), ruleBlocks()).map(Block::canonical);
    Arbitrary<Tuple.Tuple3<Integer, Integer, Character>> edit = Combinators.combine(
        Arbitraries.integers().between(0, 3), Arbitraries.integers().between(0, 60),
        Arbitraries.chars().with(ALPHABET.toCharArray())).as(Tuple::of);
    return Combinators.combine(valid, edit.list().ofMinSize(1).ofMaxSize(3)).as((s, edits) -> {
      StringBuilder sb = new StringBuilder(s);
      for (var e : edits) {
        int at = sb.length() == 0 ? 0 : e.get2() % sb.length();
        switch (e.get1()) {
          case 0 -> sb.insert(at, e.get3());
          case 1 -> {
            if (sb.length() > 0) {
              sb.deleteCharAt(at);
            }
          }
          case 2 -> {
            if (sb.length() > 0) {
              sb.setCharAt(at, e.get3());
            }
          }
          default -> sb.insert(at, sb.substring(at, Math.min(sb.length(), at + 3)));
        }
      }
      return sb.toString();
    });
  }

  @Provide
  Arbitrary<Block> v4Blocks() {
    return Combinators.combine(Arbitraries.longs().between(0, 0xFFFFFFFFL), Arbitraries.integers().between(0, 32))
        .as((v, p) -> new Block(true, BigInteger.valueOf(v), p).network());
  }

  private static Arbitrary<List<Integer>> v6Groups() {
    Arbitrary<Integer> group = Arbitraries.frequencyOf(
        Tuple.of(4, Arbitraries.just(0)),
        Tuple.of(2, Arbitraries.integers().between(1, 0xff)),
        Tuple.of(4, Arbitraries.integers().between(0, 0xffff)));
    return group.list().ofSize(8);
  }

  @Provide
  Arbitrary<Block> v6Blocks() {
    return Combinators.combine(v6Groups(), Arbitraries.integers().between(0, 128))
        .as((g, p) -> new Block(false, valueOf(g, 16), p).network())
        .filter(b -> !b.mapped());
  }

  @Provide
  Arbitrary<Block> v6BlocksWithLetters() {
    return v6Blocks().filter(b -> b.canonical().matches(".*[a-f].*"));
  }

  @Provide
  Arbitrary<Block> v6BlocksWithZeroRun() {
    return v6Blocks().filter(b -> IntStream.of(b.groups()).anyMatch(g -> g == 0));
  }

  @Provide
  Arbitrary<Block> v6BlocksWithCompression() {
    return v6Blocks().filter(b -> rfc5952Run(b.groups())[1] >= 2);
  }

  @Provide
  Arbitrary<Block> v6BlocksWithLoneZero() {
    // Prefix 128 keeps the generated groups as they are; lone zeros are frequent among them.
    return Combinators.combine(v6Groups(), Arbitraries.integers().between(64, 128))
        .as((g, p) -> new Block(false, valueOf(g, 16), p).network())
        .filter(b -> !b.mapped() && !loneZeros(b.groups()).isEmpty());
  }

  /** Blocks the default rules accept: inside a private range, within the prefix bounds. */
  @Provide
  Arbitrary<Block> ruleBlocks() {
    Arbitrary<Block> v4 = Combinators.combine(Arbitraries.of(CidrRules.DEFAULT_NETWORK_RANGES.subList(0, 4)),
        Arbitraries.longs().between(0, 0xFFFFFFFFL), Arbitraries.integers().between(8, 29)).as((r, v, p) -> {
          IPAddress range = IpText.cidr("r", r);
          int rp = range.getNetworkPrefixLength();
          long base = range.getValue().longValue();
          long inside = base | (v & ((1L << (32 - rp)) - 1));
          return new Block(true, BigInteger.valueOf(inside), Math.max(p, rp)).network();
        });
    Arbitrary<Block> v6 = Combinators.combine(v6Groups(), Arbitraries.integers().between(32, 64)).as((g, p) -> {
      BigInteger v = valueOf(g, 16).clearBit(127).clearBit(126).clearBit(125).clearBit(124).clearBit(123)
          .clearBit(122).clearBit(121).or(BigInteger.valueOf(0xfc).shiftLeft(120));
      return new Block(false, v, p).network();
    });
    return Arbitraries.oneOf(v4, v6);
  }

  @Property
  void blocksInsidePrivateRangesAreAcceptedByTheDefaultRules(@ForAll("ruleBlocks") Block b) {
    assertThat(IpText.canonical(CidrRules.defaults().network(CIDR, b.canonical()))).isEqualTo(b.canonical());
    // the same blocks are tenants' space, never an external pool
    assertThatThrownBy(() -> CidrRules.defaults().pool(CIDR, b.canonical())).isInstanceOf(ApiException.class)
        .hasMessageContaining("ipam.networkRanges");
  }

  @Provide
  Arbitrary<Block> addresses() {
    Arbitrary<Block> v4 = Arbitraries.longs().between(0, 0xFFFFFFFFL).map(v -> new Block(true, BigInteger.valueOf(v), 32));
    Arbitrary<Block> v6 = v6Groups().map(g -> new Block(false, valueOf(g, 16), 128)).filter(b -> !b.mapped());
    return Arbitraries.oneOf(v4, v6);
  }

  @Provide
  Arbitrary<Block> hostBitBlocks() {
    Arbitrary<Block> v4 = Combinators.combine(Arbitraries.longs().between(0, 0xFFFFFFFFL),
        Arbitraries.integers().between(0, 31), Arbitraries.integers().between(0, 31))
        .as((v, p, bit) -> new Block(true, BigInteger.valueOf(v).setBit(bit % (32 - p)), p));
    Arbitrary<Block> v6 = Combinators.combine(v6Groups(), Arbitraries.integers().between(0, 127),
        Arbitraries.integers().between(0, 127))
        .as((g, p, bit) -> new Block(false, valueOf(g, 16).setBit(bit % (128 - p)), p))
        .filter(b -> !b.mapped());
    return Arbitraries.oneOf(v4, v6).filter(b -> !b.hostBitsZero());
  }

  @Provide
  Arbitrary<List<Integer>> octetPadding() {
    return Arbitraries.integers().between(0, 2).list().ofSize(4);
  }

  @Provide
  Arbitrary<Integer> indexes() {
    return Arbitraries.integers().between(0, 1000);
  }

  @Provide
  Arbitrary<String> mapped() {
    Arbitrary<Long> v4 = Arbitraries.longs().between(0, 0xFFFFFFFFL);
    Arbitrary<String> prefix = Arbitraries.oneOf(Arbitraries.just(""),
        Arbitraries.integers().between(96, 128).map(p -> "/" + p),
        Arbitraries.integers().between(0, 95).map(p -> "/" + p));
    Arbitrary<Boolean> zeroHost = Arbitraries.of(true, false);
    Arbitrary<Integer> form = Arbitraries.integers().between(0, 2);
    return Combinators.combine(v4, prefix, zeroHost, form).as((v, p, zero, f) -> {
      long value = v;
      if (zero && !p.isEmpty()) {
        int pl = Integer.parseInt(p.substring(1));
        int host = Math.min(32, 128 - pl);
        value = host >= 32 ? 0 : value >>> host << host;
      }
      String dotted = (value >>> 24) + "." + (value >>> 16 & 0xff) + "." + (value >>> 8 & 0xff) + "." + (value & 0xff);
      String hex = Long.toHexString(value >>> 16) + ":" + Long.toHexString(value & 0xffff);
      return switch (f) {
        case 0 -> "::ffff:" + dotted;
        case 1 -> "::ffff:" + hex;
        default -> "0:0:0:0:0:ffff:" + hex;
      } + p;
    });
  }
}
