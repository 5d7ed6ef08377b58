package io.k0rdent.api.verticles.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.k0rdent.api.verticles.testsupport.Api;
import io.k0rdent.api.verticles.testsupport.Api.Res;
import io.k0rdent.api.verticles.testsupport.TestNode;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Guessing credentials is bounded per source address: each guess with a new credential id would cost a
 * database read, so after {@code auth.rateLimitFailuresPerAddress} failures in a second the address gets
 * 429 before any lookup, and is let through again once the bucket refills.
 */
class FailedAuthLimitHttpTest extends NodeHttpTest {

  @Override
  TestNode startNode() {
    return TestNode.start(Map.of("auth.rateLimitFailuresPerAddress", 5));
  }

  Res guess() {
    return api.send("POST", IamHttpContract.TOKEN, "grant_type=client_credentials&client_id=x%40provider.iam"
        + "&client_secret=plt_cs_cred-" + UUID.randomUUID().toString().substring(0, 8) + "_" + "g".repeat(43),
        "Content-Type", "application/x-www-form-urlencoded");
  }

  @Test
  void guessesAreCutOffPerAddress() throws Exception {
    int refused = 0;
    int slowed = 0;
    Res last = null;
    for (int i = 0; i < 12; i++) {
      last = guess();
      if (last.status() == 401) {
        refused++;
      } else if (last.status() == 429) {
        slowed++;
        assertThat(last.json().getString("error")).isEqualTo("slow_down");
        assertThat(Long.parseLong(last.header("Retry-After"))).isGreaterThanOrEqualTo(1);
      }
    }
    assertThat(refused).isBetween(5, 7); // 5, plus what refilled while the loop ran
    assertThat(slowed).isGreaterThan(0);
    Thread.sleep(Long.parseLong(last.header("Retry-After")) * 1000 + 200);
    assertThat(api.clientCredentialsToken(TestNode.CLIENT_ID, TestNode.CLIENT_SECRET)).isNotEmpty();
  }
}
