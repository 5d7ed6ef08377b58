package io.k0rdent.api.core.ipam;

import inet.ipaddr.IPAddress;
import inet.ipaddr.IPAddressString;
import inet.ipaddr.ipv4.IPv4Address;
import inet.ipaddr.ipv6.IPv6Address;
import java.math.BigInteger;
import java.util.Random;

/**
 * The addresses of one subnet or address pool that can be allocated, as integers (the address's value).
 * Reserved in a subnet ({@link #of}), never handed out: in IPv4 the network address, the gateway (network + 1), the second-to-last
 * and the broadcast address; in IPv6 the first address (the subnet-router anycast address, RFC 4291
 * §2.6.1). What remains is one contiguous run {@link #lo()}..{@link #hi()}, so a random usable address is
 * one random number, and a full block is known from a count. Immutable.
 */
public final class AddressRange {

  private final IPAddress block;
  private final BigInteger first;
  private final BigInteger last;
  private final BigInteger lo;
  private final BigInteger hi;

  private final boolean reserves;

  private AddressRange(IPAddress block, boolean reserves) {
    this.block = block;
    this.reserves = reserves;
    this.first = block.getLower().getValue();
    this.last = block.getUpper().getValue();
    this.lo = !reserves ? first : block.isIPv4() ? first.add(BigInteger.TWO) : first.add(BigInteger.ONE);
    this.hi = reserves && block.isIPv4() ? last.subtract(BigInteger.TWO) : last;
  }

  /**
   * The range of an external address pool's block: every address of it, none reserved (its addresses are
   * routed one by one, as floating addresses; the pool is no subnet with a gateway and a broadcast address).
   */
  public static AddressRange pool(String cidr) {
    IPAddress block = new IPAddressString(cidr).getAddress();
    if (block == null || !block.isPrefixBlock()) {
      throw new IllegalArgumentException("not a CIDR block: " + cidr);
    }
    return new AddressRange(block, false);
  }

  /** The range of a canonical CIDR block, e.g. {@code 10.0.0.0/24}: usable 10.0.0.2 .. 10.0.0.253. */
  public static AddressRange of(String cidr) {
    return of(new IPAddressString(cidr).getAddress());
  }

  /** The range of a prefix block; {@link IllegalArgumentException} when it has no usable address. */
  public static AddressRange of(IPAddress block) {
    if (block == null || !block.isPrefixBlock()) {
      throw new IllegalArgumentException("not a CIDR block: " + block);
    }
    AddressRange r = new AddressRange(block, true);
    if (r.hi.compareTo(r.lo) < 0) {
      throw new IllegalArgumentException(block.toCanonicalString() + " has no usable address (IPv4 /30 and longer, "
          + "IPv6 /128)");
    }
    return r;
  }

  /** The block, canonical ({@code 10.0.0.0/24}). */
  public String cidr() {
    return block.toCanonicalString();
  }

  public boolean ipv4() {
    return block.isIPv4();
  }

  /** The contract's {@code ipVersion}: {@code IPV4} or {@code IPV6}. */
  public String ipVersion() {
    return block.isIPv4() ? "IPV4" : "IPV6";
  }

  /** Lowest usable value. */
  public BigInteger lo() {
    return lo;
  }

  /** Highest usable value. */
  public BigInteger hi() {
    return hi;
  }

  /** How many addresses can be allocated (252 in a /24; 2^64 - 1 in a /64). */
  public BigInteger capacity() {
    return hi.subtract(lo).add(BigInteger.ONE);
  }

  /** Whether {@code a} (one address) lies in the block, reserved or not. */
  public boolean contains(IPAddress a) {
    return a.getIPVersion() == block.getIPVersion() && block.contains(a);
  }

  /** Why {@code a} (in the block) cannot be allocated, or null when it can. */
  public String reservedReason(IPAddress a) {
    if (!reserves) {
      return null;
    }
    BigInteger v = a.getValue();
    if (v.equals(first)) {
      return block.isIPv4() ? "the network address" : "the subnet-router anycast address";
    }
    if (block.isIPv4()) {
      if (v.equals(first.add(BigInteger.ONE))) {
        return "the gateway address";
      }
      if (v.equals(last)) {
        return "the broadcast address";
      }
      if (v.equals(last.subtract(BigInteger.ONE))) {
        return "reserved (the second-to-last address)";
      }
    }
    return null;
  }

  /** A uniformly random usable value. */
  public BigInteger random(Random random) {
    BigInteger span = capacity();
    BigInteger r;
    do {
      r = new BigInteger(span.bitLength(), random);
    } while (r.compareTo(span) >= 0);
    return lo.add(r);
  }

  /** The canonical text of value {@code v} of this range's family ({@code 10.0.0.7}, {@code fd00::7}). */
  public String text(BigInteger v) {
    return addressOf(block.isIPv4(), v).toCanonicalString();
  }

  /** The address of value {@code v}. */
  public IPAddress address(BigInteger v) {
    return addressOf(block.isIPv4(), v);
  }

  private static IPAddress addressOf(boolean ipv4, BigInteger v) {
    return ipv4 ? new IPv4Address(v.intValue()) : new IPv6Address(v);
  }

  /**
   * The first value at or after {@code from} that {@code takenAscending} does not hold, assuming it holds
   * every taken value from {@code from} up to its last element (a batch read in order); a result past that
   * last element is only a candidate when the batch was cut short. Used by every store to find the next
   * free address after a random start without walking the address space, only the taken ones; it reads
   * {@code takenAscending} only up to the first gap (a lazy view costs the run of taken addresses, not the set).
   */
  public static BigInteger firstGap(BigInteger from, Iterable<BigInteger> takenAscending) {
    BigInteger expected = from;
    for (BigInteger t : takenAscending) {
      int c = t.compareTo(expected);
      if (c == 0) {
        expected = expected.add(BigInteger.ONE);
      } else if (c > 0) {
        break;
      }
    }
    return expected;
  }

  /**
   * A key whose string order is the addresses' numeric order, IPv4 before IPv6 ({@code 4} or {@code 6}
   * then 32 hex digits): the list order of addresses.
   */
  public static String sortKey(IPAddress a) {
    String hex = a.getValue().toString(16);
    return (a.isIPv4() ? "4" : "6") + "0".repeat(32 - hex.length()) + hex;
  }

  @Override
  public String toString() {
    return cidr();
  }
}
