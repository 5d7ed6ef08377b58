package io.k0rdent.api.core.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.jwk.ECKey;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The key set's stored JSON: creation, migration from the single key, rotation, retirement, validation. */
class SigningKeysTest {

  static final Instant T0 = Instant.parse("2025-11-29T12:00:00Z");
  static final Duration RETIRE_IN = Duration.ofSeconds(930);

  @Test
  void aGeneratedSetHasOneCurrentKeyAndRoundTrips() {
    SigningKeys k = SigningKeys.generate(T0);
    assertThat(k.version()).isEqualTo(1);
    assertThat(k.all()).containsExactly(k.current());
    assertThat(k.entries().get(0).createdAt()).isEqualTo(T0);
    assertThat(k.entries().get(0).retireAfter()).isNull();
    assertThat(k.nextRetirementMillis()).isEqualTo(Long.MAX_VALUE);

    JsonObject stored = new JsonObject(k.toStoredJson());
    assertThat(stored.fieldNames()).containsExactlyInAnyOrder("version", "current", "keys");
    assertThat(stored.getString("current")).isEqualTo(k.current().getKeyID());
    JsonObject entry = stored.getJsonArray("keys").getJsonObject(0);
    assertThat(entry.getLong("createdAt")).isEqualTo(T0.getEpochSecond());
    assertThat(entry.containsKey("retireAfter")).isTrue();
    assertThat(entry.getValue("retireAfter")).isNull();
    assertThat(entry.getJsonObject("jwk").getString("d")).as("the stored form keeps the private part").isNotBlank();

    SigningKeys back = SigningKeys.parse(k.toStoredJson());
    assertThat(back.toStoredJson()).isEqualTo(k.toStoredJson());
    assertThat(back.current()).isEqualTo(k.current());
  }

  @Test
  void theFormerSingleKeyBecomesASetOfOne() throws Exception {
    String legacy = SigningKeys.generateJwk();
    SigningKeys k = SigningKeys.fromLegacyJwk(legacy, T0);
    assertThat(k.current().getKeyID()).isEqualTo(ECKey.parse(legacy).getKeyID());
    assertThat(k.current().toJSONString()).isEqualTo(ECKey.parse(legacy).toJSONString());
    assertThat(k.version()).isEqualTo(1);
    assertThat(k.entries().get(0).retireAfter()).isNull();
    assertThat(SigningKeys.parse(k.toStoredJson()).current().getKeyID()).isEqualTo(k.current().getKeyID());
  }

  @Test
  void rotationAddsACurrentKeyAndRetiresTheOldOnesOnce() throws Exception {
    SigningKeys v1 = SigningKeys.generate(T0);
    String first = v1.current().getKeyID();
    SigningKeys v2 = v1.rotated(T0.plusSeconds(100), RETIRE_IN);
    assertThat(v2.version()).isEqualTo(2);
    assertThat(v2.current().getKeyID()).isNotEqualTo(first);
    assertThat(v2.kids()).containsExactly(first, v2.current().getKeyID());
    assertThat(v2.entries().get(0).retireAfter()).isEqualTo(T0.plusSeconds(100 + 930));
    assertThat(v2.entries().get(1).retireAfter()).isNull();
    assertThat(v2.entries().get(1).createdAt()).isEqualTo(T0.plusSeconds(100));
    assertThat(v2.nextRetirementMillis()).isEqualTo(T0.plusSeconds(1030).toEpochMilli());
    assertThat(v1.version()).as("snapshots are immutable").isEqualTo(1);

    // A second rotation soon after: the first key keeps its retirement time, the second gets a new one.
    SigningKeys v3 = v2.rotated(T0.plusSeconds(200), RETIRE_IN);
    assertThat(v3.kids()).hasSize(3).startsWith(first, v2.current().getKeyID());
    assertThat(v3.entries().get(0).retireAfter()).isEqualTo(T0.plusSeconds(1030));
    assertThat(v3.entries().get(1).retireAfter()).isEqualTo(T0.plusSeconds(1130));
    assertThat(SigningKeys.parse(v3.toStoredJson()).toStoredJson()).isEqualTo(v3.toStoredJson());

    // Sub-second rotation times round the retirement up: never earlier than now + retireIn.
    SigningKeys odd = v1.rotated(T0.plusMillis(1500), RETIRE_IN);
    assertThat(odd.entries().get(0).retireAfter()).isEqualTo(T0.plusSeconds(932));
  }

  @Test
  void retiredKeysAreDroppedAtTheirTimeAndByTheNextRotation() {
    SigningKeys v2 = SigningKeys.generate(T0).rotated(T0, RETIRE_IN);
    String old = v2.kids().get(0);
    Instant retire = T0.plus(RETIRE_IN);
    assertThat(v2.withoutRetired(retire.minusMillis(1))).isSameAs(v2);
    SigningKeys pruned = v2.withoutRetired(retire);
    assertThat(pruned.kids()).containsExactly(v2.current().getKeyID());
    assertThat(pruned.version()).as("dropping retired keys is not a rotation").isEqualTo(2);
    assertThat(pruned.byKid(old)).isNull();
    assertThat(v2.isOlderThan(pruned)).isTrue();
    assertThat(pruned.isOlderThan(v2)).isFalse();
    assertThat(pruned.publicJwkSet().toString()).doesNotContain(old);

    SigningKeys v3 = v2.rotated(retire.plusSeconds(1), RETIRE_IN);
    assertThat(v3.kids()).as("rotation prunes too").containsExactly(v2.current().getKeyID(), v3.current().getKeyID());
    assertThat(v2.isOlderThan(v3)).isTrue();
    assertThat(v3.isOlderThan(v2)).isFalse();
  }

  @Test
  void theJwkSetIsPublicOnly() {
    SigningKeys v2 = SigningKeys.generate(T0).rotated(T0, RETIRE_IN);
    JsonObject jwks = new JsonObject(v2.publicJwkSet());
    JsonArray keys = jwks.getJsonArray("keys");
    assertThat(keys).hasSize(2);
    for (int i = 0; i < keys.size(); i++) {
      JsonObject k = keys.getJsonObject(i);
      assertThat(k.containsKey("d")).isFalse();
      assertThat(k.getString("kid")).isEqualTo(v2.kids().get(i));
      assertThat(k.getString("alg")).isEqualTo("ES256");
    }
  }

  @Test
  void malformedStoredSetsAreRefused() {
    SigningKeys k = SigningKeys.generate(T0).rotated(T0, RETIRE_IN);
    JsonObject good = new JsonObject(k.toStoredJson());
    assertThatThrownBy(() -> SigningKeys.parse("not json")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> SigningKeys.parse(SigningKeys.generateJwk()))
        .as("a bare JWK is the former setting, not this one").isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> SigningKeys.parse(good.copy().put("current", "nope").encode()))
        .hasMessageContaining("not in the set");
    assertThatThrownBy(() -> SigningKeys.parse(good.copy().put("version", 0).encode()))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> SigningKeys.parse(good.copy().put("keys", new JsonArray()).encode()))
        .isInstanceOf(IllegalArgumentException.class);
    JsonObject dup = good.copy();
    dup.getJsonArray("keys").add(dup.getJsonArray("keys").getJsonObject(0).copy());
    assertThatThrownBy(() -> SigningKeys.parse(dup.encode())).hasMessageContaining("two signing keys");
    JsonObject publicOnly = good.copy();
    publicOnly.getJsonArray("keys").getJsonObject(0).getJsonObject("jwk").remove("d");
    assertThatThrownBy(() -> SigningKeys.parse(publicOnly.encode())).hasMessageContaining("private part");
    JsonObject retiringCurrent = good.copy();
    retiringCurrent.getJsonArray("keys").getJsonObject(1).put("retireAfter", T0.getEpochSecond());
    assertThatThrownBy(() -> SigningKeys.parse(retiringCurrent.encode())).hasMessageContaining("cannot be retiring");
    assertThatThrownBy(() -> SigningKeys.fromLegacyJwk("{}", T0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> SigningKeys.fromJwks(List.of())).isInstanceOf(IllegalArgumentException.class);
  }
}
