package io.k0rdent.api.core.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.k0rdent.api.core.error.ApiException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Verify-once: hits skip the signature check, expiry still applies, failures are not remembered. */
class VerifiedTokensTest {

  private final SigningKeys keys = SigningKeys.fromJwks(List.of(SigningKeys.generateJwk()));
  private final AccessTokenIssuer issuer = new AccessTokenIssuer(keys, "http://t", "aud", Duration.ofSeconds(60));
  private final AccessTokenVerifier verifier = new AccessTokenVerifier(keys, "http://t", "aud");

  private String token(Instant now) {
    return issuer.issue(new AccessTokenIssuer.Claims("sa@x", PrincipalType.SERVICE_ACCOUNT, "sa@x", "org", "organization",
        "org", "cred-x", RoleSets.EMPTY), now).token();
  }

  @Test
  void aVerifiedTokenIsCheckedOnceUntilItExpires() {
    AtomicInteger checks = new AtomicInteger();
    Instant now = Instant.now();
    Instant[] clock = {now};
    VerifiedTokens cache = new VerifiedTokens(t -> {
      checks.incrementAndGet();
      return verifier.verify(t, clock[0]);
    }, 100);
    String t = token(now);
    Principal first = cache.principal(t, now);
    assertThat(cache.principal(t, now.plusSeconds(30))).isSameAs(first);
    assertThat(checks).hasValue(1);
    clock[0] = now.plusSeconds(61);
    assertThatThrownBy(() -> cache.principal(t, clock[0]))
        .as("past exp the full check runs again, and refuses").isInstanceOf(ApiException.class);
    assertThat(checks).hasValue(2);
    assertThat(cache.size()).isZero();
  }

  @Test
  void refusedTokensAreNeverRemembered() {
    AtomicInteger checks = new AtomicInteger();
    VerifiedTokens cache = new VerifiedTokens(t -> {
      checks.incrementAndGet();
      return verifier.verify(t, Instant.now());
    }, 100);
    for (int i = 0; i < 3; i++) {
      assertThatThrownBy(() -> cache.principal("not.a.token", Instant.now())).isInstanceOf(ApiException.class);
    }
    assertThat(checks).hasValue(3);
    assertThat(cache.size()).isZero();
  }

  @Test
  void capacityIsBoundedLeastRecentlyUsedFirst() {
    Instant now = Instant.now();
    AtomicInteger checks = new AtomicInteger();
    VerifiedTokens cache = new VerifiedTokens(t -> {
      checks.incrementAndGet();
      return verifier.verify(t, now);
    }, 3);
    String a = token(now);
    String b = token(now);
    String c = token(now);
    String d = token(now);
    Principal pa = cache.principal(a, now);
    cache.principal(b, now);
    cache.principal(c, now);
    assertThat(cache.principal(a, now)).isSameAs(pa);
    cache.principal(d, now);
    assertThat(cache.size()).isEqualTo(3);
    assertThat(checks).hasValue(4);
    assertThat(cache.principal(a, now)).as("recently used, kept").isSameAs(pa);
    cache.principal(b, now);
    assertThat(checks).as("b was the least recently used, so it was dropped and checked again").hasValue(5);
  }
}
