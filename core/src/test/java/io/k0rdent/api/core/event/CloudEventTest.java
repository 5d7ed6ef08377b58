package io.k0rdent.api.core.event;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** {@link CloudEvent}: the structured-mode JSON of CloudEvents 1.0 and its reading back. */
class CloudEventTest {

  private static final Instant T = Instant.parse("2031-05-06T07:08:09.123Z");

  @Test
  void rendersTheStructuredModeJsonWithTheExtensions() {
    CloudEvent e = CloudEvent.of("//api.k0rdent.io/regions/global", "ai.k0rdent.resourcemanager.project.created",
            "/v1/organizations/acme/projects/train", T, new JsonObject().put("id", "train"))
        .withContext("alice", "api_key", "req-1", "192.0.2.7", "key-ci");
    assertThat(UUID.fromString(e.id()).toString()).isEqualTo(e.id());
    assertThat(e.toJson()).isEqualTo(new JsonObject()
        .put("specversion", "1.0")
        .put("id", e.id())
        .put("source", "//api.k0rdent.io/regions/global")
        .put("type", "ai.k0rdent.resourcemanager.project.created")
        .put("subject", "/v1/organizations/acme/projects/train")
        .put("time", "2031-05-06T07:08:09.123Z")
        .put("datacontenttype", "application/json")
        .put("actorid", "alice")
        .put("actortype", "api_key")
        .put("requestid", "req-1")
        .put("sourceaddress", "192.0.2.7")
        .put("actorcredential", "key-ci")
        .put("data", new JsonObject().put("id", "train")));
    assertThat(CloudEvent.validAttributeName(CloudEvent.ACTOR_CREDENTIAL)).isTrue();
    assertThat(CloudEvent.fromJson(e.toJson())).isEqualTo(e);
  }

  @Test
  void leavesOutWhatIsNotSetAndReadsJsonNullAsUnset() {
    CloudEvent e = new CloudEvent("1", "/s", "t", null, null, null, null, null, null, null, null);
    assertThat(e.toJson()).isEqualTo(new JsonObject().put("specversion", "1.0").put("id", "1").put("source", "/s")
        .put("type", "t"));
    assertThat(CloudEvent.fromJson(e.toJson().put("subject", null).put("actorid", null))).isEqualTo(e);
    assertThat(CloudEvent.of("/s", "t", null, null, null).datacontenttype()).isNull();
  }

  @Test
  void extensionNamesFollowTheNamingConvention() {
    for (String name : List.of(CloudEvent.ACTOR_ID, CloudEvent.ACTOR_TYPE, CloudEvent.REQUEST_ID,
        CloudEvent.SOURCE_ADDRESS)) {
      assertThat(CloudEvent.validAttributeName(name)).as(name).isTrue();
    }
    assertThat(CloudEvent.validAttributeName("actorId")).isFalse();
    assertThat(CloudEvent.validAttributeName("actor_id")).isFalse();
    assertThat(CloudEvent.validAttributeName("a23456789012345678901")).isFalse();
  }

  @Test
  void isImmutable() {
    JsonObject data = new JsonObject().put("a", 1);
    CloudEvent e = CloudEvent.of("/s", "t", null, T, data);
    data.put("a", 2);
    e.data().put("a", 3);
    e.toJson().getJsonObject("data").put("a", 4);
    assertThat(e.data().getInteger("a")).isEqualTo(1);
  }

  @Test
  void refusesMissingRequiredAttributesAndForeignVersions() {
    assertThatThrownBy(() -> new CloudEvent("", "/s", "t", null, null, null, null, null, null, null, null))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'id'");
    assertThatThrownBy(() -> new CloudEvent("1", null, "t", null, null, null, null, null, null, null, null))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'source'");
    assertThatThrownBy(() -> new CloudEvent("1", "/s", "", null, null, null, null, null, null, null, null))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'type'");
    JsonObject ok = new JsonObject().put("specversion", "1.0").put("id", "1").put("source", "/s").put("type", "t");
    assertThatThrownBy(() -> CloudEvent.fromJson(ok.copy().put("specversion", "0.3")))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> CloudEvent.fromJson(ok.copy().put("time", "yesterday")))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> CloudEvent.fromJson(ok.copy().put("data", "text")))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(CloudEvent.fromJson(ok.copy().put("time", "2031-05-06T09:08:09.123+02:00")).time()).isEqualTo(T);
  }
}
