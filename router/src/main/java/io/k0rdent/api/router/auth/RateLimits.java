package io.k0rdent.api.router.auth;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Request rate limits of the OAuth endpoints, per client (client id or API key id) and per source
 * address, enforced on each node (token buckets from Bucket4j; idle buckets are forgotten after ten
 * minutes, at most {@link #MAX_TRACKED} per kind). A limit of 0 turns it off. Thread-safe.
 */
public final class RateLimits {

  /** Requests per second per client per node when not configured: far above what one client sends. */
  public static final long DEFAULT_PER_CLIENT = 50_000;
  /** Requests per second per source address per node when not configured. */
  public static final long DEFAULT_PER_ADDRESS = 100_000;
  /** Failed authentications per second per source address per node when not configured. */
  public static final long DEFAULT_FAILURES_PER_ADDRESS = 100;
  /** Keys tracked per kind at most. */
  public static final long MAX_TRACKED = 100_000;

  private final long perClient;
  private final long perAddress;
  private final Cache<String, Bucket> clients;
  private final Cache<String, Bucket> addresses;
  private final long failuresPerAddress;
  private final Cache<String, Bucket> failures;

  /** Limits in requests per second (bursts of one second's worth); 0 = unlimited. */
  public RateLimits(long perClientPerSecond, long perAddressPerSecond) {
    this(perClientPerSecond, perAddressPerSecond, DEFAULT_FAILURES_PER_ADDRESS);
  }

  /**
   * @param failuresPerAddressPerSecond failed authentications per source address: once spent, the address
   *                                    is refused (429) before any lookup, so guessing credential ids
   *                                    cannot drive database reads; 0 = unlimited
   */
  public RateLimits(long perClientPerSecond, long perAddressPerSecond, long failuresPerAddressPerSecond) {
    this.perClient = perClientPerSecond;
    this.perAddress = perAddressPerSecond;
    this.failuresPerAddress = failuresPerAddressPerSecond;
    this.failures = Caffeine.newBuilder().maximumSize(MAX_TRACKED).expireAfterAccess(10, TimeUnit.MINUTES).build();
    this.clients = Caffeine.newBuilder().maximumSize(MAX_TRACKED).expireAfterAccess(10, TimeUnit.MINUTES).build();
    this.addresses = Caffeine.newBuilder().maximumSize(MAX_TRACKED).expireAfterAccess(10, TimeUnit.MINUTES).build();
  }

  /** The defaults. */
  public static RateLimits defaults() {
    return new RateLimits(DEFAULT_PER_CLIENT, DEFAULT_PER_ADDRESS);
  }

  private static Bucket bucket(long perSecond) {
    return Bucket.builder()
        .addLimit(Bandwidth.builder().capacity(perSecond).refillGreedy(perSecond, Duration.ofSeconds(1)).build())
        .build();
  }

  /** Takes one request from {@code address}'s bucket; 0 when allowed, else the seconds to wait (≥ 1). */
  public long address(String address) {
    return take(addresses, perAddress, address);
  }

  /** Takes one request from {@code client}'s bucket; 0 when allowed, else the seconds to wait (≥ 1). */
  public long client(String client) {
    return take(clients, perClient, client);
  }

  /** 0 when {@code address} may still fail to authenticate, else the seconds to wait (≥ 1). Takes nothing. */
  public long failuresLeft(String address) {
    if (failuresPerAddress <= 0 || address == null) {
      return 0;
    }
    Bucket b = failures.get(address, k -> bucket(failuresPerAddress));
    if (b.getAvailableTokens() > 0) {
      return 0;
    }
    return Math.max(1, TimeUnit.NANOSECONDS.toSeconds(b.estimateAbilityToConsume(1).getNanosToWaitForRefill()
        + 999_999_999L));
  }

  /** Counts one failed authentication from {@code address}. */
  public void failed(String address) {
    if (failuresPerAddress > 0 && address != null) {
      failures.get(address, k -> bucket(failuresPerAddress)).tryConsume(1);
    }
  }

  private static long take(Cache<String, Bucket> buckets, long limit, String key) {
    if (limit <= 0 || key == null) {
      return 0;
    }
    ConsumptionProbe p = buckets.get(key, k -> bucket(limit)).tryConsumeAndReturnRemaining(1);
    return p.isConsumed() ? 0 : Math.max(1, TimeUnit.NANOSECONDS.toSeconds(p.getNanosToWaitForRefill() + 999_999_999L));
  }
}
