package io.k0rdent.api.verticles.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.k0rdent.api.core.event.CloudEvent;
import io.k0rdent.api.core.store.Awaits;
import io.k0rdent.api.core.store.EventOutbox;
import io.k0rdent.api.core.store.IpamStore.Place;
import io.k0rdent.api.core.store.OutboxRow;
import io.k0rdent.api.verticles.redfish.FakeBmc;
import io.k0rdent.api.verticles.testsupport.Api.Res;
import io.vertx.core.json.JsonObject;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The change events of networks, addresses, address pools and bare-metal servers as a node writes them (the router's
 * {@code EventRenderings} registered with the store), read from the node's outbox: each event's subject and key are
 * the selfLink the API answers, its data is exactly the body the API's GET answers (for a delete, the id and uid),
 * and no event holds a BMC password or the sealed BMC credentials. Run on each store by a subclass.
 */
abstract class IpamServerEventsHttpContract extends ServersHttpTest {

  static final String POOLS = "/v1/regions/" + REGION + "/compute/address-pools";

  /** Every pending event of the node's outbox (no relay runs in tests), oldest first. */
  List<OutboxRow> outbox() {
    return Awaits.await(node.node().services().store().events().pending(EventOutbox.MAX_BATCH));
  }

  /** The events about {@code selfLink}, oldest first; each keyed by it. */
  List<CloudEvent> about(String selfLink) {
    List<CloudEvent> out = new ArrayList<>();
    for (OutboxRow r : outbox()) {
      if (selfLink.equals(r.event().subject())) {
        assertThat(r.key()).as("the key of an event about " + selfLink).isEqualTo(selfLink);
        out.add(r.event());
      }
    }
    return out;
  }

  /** The newest event about {@code selfLink}. */
  CloudEvent last(String selfLink) {
    List<CloudEvent> events = about(selfLink);
    assertThat(events).as("events about " + selfLink).isNotEmpty();
    return events.get(events.size() - 1);
  }

  JsonObject get(String selfLink, boolean atlas) {
    Res r = (atlas ? node.atlas : api).get(selfLink, token);
    assertThat(r.status()).as(selfLink + " " + r.body()).isEqualTo(200);
    return r.json();
  }

  /** {@code r}'s body after asserting its status. */
  static JsonObject body(Res r, int status) {
    assertThat(r.status()).as(r.body()).isEqualTo(status);
    return r.json();
  }

  static JsonObject idAndUid(JsonObject resource) {
    return new JsonObject().put("id", resource.getString("id")).put("uid", resource.getString("uid"));
  }

  /** The organization whose change each event about {@code selfLink} is, as PostgreSQL's outbox records it. */
  List<String> owners(String selfLink) throws Exception {
    List<String> out = new ArrayList<>();
    try (Connection c = DriverManager.getConnection(db.settings().jdbcUrl(), db.settings().user(),
        db.settings().password());
         PreparedStatement ps = c.prepareStatement("SELECT organization_id FROM " + db.schema()
             + ".events WHERE key = ? ORDER BY seq")) {
      ps.setString(1, selfLink);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(rs.getString(1));
        }
      }
    }
    return out;
  }

  @Test
  void networkAddressAndPoolEventsShowWhatTheApiShows() throws Exception {
    String compute = "/v1/regions/" + REGION + "/projects/" + project + "/compute/";
    // a network: created, updated, deleted
    Res made = api.post(compute + "networks", token, new JsonObject().put("id", unique("net"))
        .put("cidr", "10.30.0.0/24").put("displayName", "events"));
    JsonObject network = body(made, 201);
    String netLink = network.getString("selfLink");
    assertThat(netLink).isEqualTo(compute + "networks/" + network.getString("id"));
    CloudEvent created = last(netLink);
    assertThat(created.type()).isEqualTo("ai.k0rdent.compute.network.created");
    assertThat(created.data()).as("the created network with its subnet").isEqualTo(network)
        .isEqualTo(get(netLink, false));
    assertThat(created.data().getJsonArray("subnets")).hasSize(1);
    assertThat(created.requestId()).isEqualTo(made.header("X-Request-Id"));
    JsonObject renamed = body(api.patch(netLink, token, new JsonObject().put("displayName", "renamed")), 200);
    CloudEvent updated = last(netLink);
    assertThat(updated.type()).isEqualTo("ai.k0rdent.compute.network.updated");
    assertThat(updated.data()).as("the updated network with its subnets").isEqualTo(renamed)
        .isEqualTo(get(netLink, false));

    // an INTERNAL address, then an EXTERNAL one from a pool
    JsonObject internal = body(api.post(compute + "addresses", token, new JsonObject().put("id", unique("in"))
        .put("addressType", "INTERNAL").put("network", netLink)), 201);
    String inLink = internal.getString("selfLink");
    assertThat(about(inLink)).extracting(CloudEvent::type).containsExactly("ai.k0rdent.compute.address.created");
    assertThat(last(inLink).data()).isEqualTo(internal).isEqualTo(get(inLink, false));

    JsonObject pool = body(node.atlas.post(POOLS, token, new JsonObject().put("id", unique("pool"))
        .put("cidr", "198.51.100.0/29").put("displayName", "floating")), 201);
    String poolLink = pool.getString("selfLink");
    assertThat(poolLink).isEqualTo(POOLS + "/" + pool.getString("id"));
    assertThat(about(poolLink)).extracting(CloudEvent::type).containsExactly("ai.k0rdent.compute.addressPool.created");
    assertThat(last(poolLink).data()).isEqualTo(pool).isEqualTo(get(poolLink, true));

    JsonObject external = body(api.post(compute + "addresses", token, new JsonObject().put("id", unique("ex"))), 201);
    String exLink = external.getString("selfLink");
    assertThat(external.getString("addressPool")).isEqualTo(poolLink);
    assertThat(last(exLink).data()).isEqualTo(external).isEqualTo(get(exLink, false));

    if (onPostgres()) {
      assertThat(owners(netLink)).as("a network's events are its organization's").containsOnly(org);
      assertThat(owners(inLink)).as("an address's events are its organization's").containsOnly(org);
      assertThat(owners(poolLink)).as("a pool's events are the provider's").containsOnly((String) null);
    }

    // deletes: the id and uid
    for (JsonObject address : List.of(internal, external)) {
      assertThat(api.delete(address.getString("selfLink"), token).status()).isEqualTo(204);
      CloudEvent released = last(address.getString("selfLink"));
      assertThat(released.type()).isEqualTo("ai.k0rdent.compute.address.deleted");
      assertThat(released.data()).isEqualTo(idAndUid(address));
    }
    assertThat(api.delete(netLink, token).status()).isEqualTo(204);
    assertThat(about(netLink)).extracting(CloudEvent::type).containsExactly("ai.k0rdent.compute.network.created",
        "ai.k0rdent.compute.network.updated", "ai.k0rdent.compute.network.deleted");
    assertThat(last(netLink).data()).isEqualTo(idAndUid(network));
    assertThat(node.atlas.delete(poolLink, token).status()).isEqualTo(204);
    assertThat(about(poolLink)).extracting(CloudEvent::type).containsExactly("ai.k0rdent.compute.addressPool.created",
        "ai.k0rdent.compute.addressPool.deleted");
    assertThat(last(poolLink).data()).isEqualTo(idAndUid(pool));
  }

  @Test
  void serverEventsShowWhatTheApiShowsAndNeverItsCredentials() throws Exception {
    FakeBmc b = bmc("dmtf-public-rackmount1");
    String id = unique("srv");
    Res reg = register(registration(b, id).put("inspect", false));
    JsonObject registered = body(reg, 201);
    String link = registered.getString("selfLink");
    assertThat(link).isEqualTo(servers() + "/" + id);
    CloudEvent created = about(link).get(0);
    assertThat(created.type()).isEqualTo("ai.k0rdent.infrastructure.server.created");
    assertThat(created.data()).as("the server as registered").isEqualTo(registered);
    assertThat(created.requestId()).isEqualTo(reg.header("X-Request-Id"));

    // the workers' writes: once the server rests, the newest event shows it as the API does
    awaitState(id, "manageable");
    assertEventually(link);
    assertThat(about(link).subList(1, about(link).size())).extracting(CloudEvent::type)
        .containsOnly("ai.k0rdent.infrastructure.server.updated").isNotEmpty();
    // no request made them: the control plane itself is their actor, with no request id or address
    assertThat(about(link).subList(1, about(link).size())).allSatisfy(e -> {
      assertThat(e.actorType()).isEqualTo("system");
      assertThat(e.actorId()).isEqualTo("k0rdent");
      assertThat(e.requestId()).isNull();
      assertThat(e.sourceAddress()).isNull();
    });
    assertThat(created.actorType()).isEqualTo("service_account");

    // an operator's change
    JsonObject patched = body(checked("updateServer", node.atlas.patch(link, token,
        new JsonObject().put("displayName", "renamed"))), 200);
    assertThat(last(link).type()).isEqualTo("ai.k0rdent.infrastructure.server.updated");
    assertThat(last(link).data()).isEqualTo(patched);
    assertEventually(link);

    if (onPostgres()) {
      assertThat(owners(link)).as("a server's events are its organization's").containsOnly(org);
    }
    String sealed = Awaits.await(node.node().services().store().servers().get(new Place(REGION, project), id))
        .bmc().sealedCredentials();

    // decommissioned: the worker deletes it
    assertThat(checked("decommissionServer", node.atlas.delete(link, token)).status()).isEqualTo(204);
    Instant end = Instant.now().plusSeconds(30);
    while (!"ai.k0rdent.infrastructure.server.deleted".equals(last(link).type())) {
      assertThat(Instant.now()).as("the server's deleted event").isBefore(end);
      sleep(50);
    }
    assertThat(last(link).data()).isEqualTo(idAndUid(registered));
    assertThat(node.atlas.get(link, token).status()).isEqualTo(404);

    for (OutboxRow r : outbox()) {
      String json = r.event().toJson().encode();
      assertThat(json).doesNotContain(PASSWORD).doesNotContain(sealed).doesNotContain("sealedCredentials")
          .doesNotContain("bmcCredentials");
    }
  }

  /** Waits (bounded) until the newest event about the server at {@code link} shows what its GET answers. */
  void assertEventually(String link) {
    Instant end = Instant.now().plus(Duration.ofSeconds(15));
    JsonObject shown = get(link, true);
    while (!last(link).data().equals(shown)) {
      assertThat(Instant.now()).as("the newest event about " + link + " is " + last(link).data().encodePrettily()
          + "; the API shows " + shown.encodePrettily()).isBefore(end);
      sleep(50);
      shown = get(link, true);
    }
  }
}
