package io.k0rdent.api.verticles.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.k0rdent.api.core.event.CloudEvent;
import io.k0rdent.api.core.store.Awaits;
import io.k0rdent.api.core.store.EventOutbox;
import io.k0rdent.api.core.store.OutboxRow;
import io.k0rdent.api.verticles.testsupport.Api;
import io.k0rdent.api.verticles.testsupport.Api.Res;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The transactional outbox seen through the API (issue 8): every successful change appends exactly one CloudEvent
 * whose subject is the resource's selfLink, whose data is what the API answers for it, and whose extensions name
 * the actor, the request and the caller's address; a refused change (400, 409, 412) appends none; no event holds a
 * secret. Runs on both stores. The node has no Kafka, so every event stays pending in the outbox, where the test
 * reads it.
 */
abstract class EventsHttpContract extends NodeHttpTest {

  /** The outbox's last seq now: later events are this test's. */
  long mark() {
    List<OutboxRow> rows = pending();
    return rows.isEmpty() ? 0 : rows.get(rows.size() - 1).seq();
  }

  List<OutboxRow> pending() {
    return Awaits.await(node.node().services().store().events().pending(EventOutbox.MAX_BATCH));
  }

  /** The events appended after {@code mark}, in outbox order. */
  List<CloudEvent> since(long mark) {
    List<CloudEvent> out = new ArrayList<>();
    for (OutboxRow r : pending()) {
      if (r.seq() > mark) {
        assertThat(r.key()).as("the Kafka key is the subject").isEqualTo(r.event().subject());
        out.add(r.event());
      }
    }
    return out;
  }

  private static String[] requestId(String id) {
    return new String[] {"X-Request-Id", id};
  }

  @Test
  void aSequenceOfChangesGivesOneEventEachInOrderWithTheRightAttributes() {
    String org = created(ORGS, new JsonObject().put("id", unique("evorg"))).getString("id");
    long mark = mark();
    String id = unique("evproj");
    Res created = node.atlas.post(PROJECTS, token, new JsonObject().put("id", id).put("organizationId", org)
        .put("displayName", "one"), requestId("req-create-1"));
    assertThat(created.status()).as(created.body()).isEqualTo(201);
    Res p1 = node.atlas.patch(PROJECTS + "/" + id, token, new JsonObject().put("displayName", "two"),
        requestId("req-patch-2"));
    assertThat(p1.status()).as(p1.body()).isEqualTo(200);
    Res p2 = node.atlas.patch(PROJECTS + "/" + id, token, new JsonObject().put("displayName", "three"),
        requestId("req-patch-3"));
    assertThat(p2.status()).as(p2.body()).isEqualTo(200);
    Res gone = node.atlas.delete(PROJECTS + "/" + id, token, requestId("req-delete-4"));
    assertThat(gone.status()).as(gone.body()).isEqualTo(204);

    List<CloudEvent> events = since(mark);
    String selfLink = created.json().getString("selfLink");
    assertThat(events).extracting(CloudEvent::type).containsExactly(
        "ai.k0rdent.resourcemanager.project.created", "ai.k0rdent.resourcemanager.project.updated",
        "ai.k0rdent.resourcemanager.project.updated", "ai.k0rdent.resourcemanager.project.deleted");
    assertThat(events).extracting(CloudEvent::subject).containsOnly(selfLink);
    assertThat(events).extracting(CloudEvent::requestId)
        .containsExactly("req-create-1", "req-patch-2", "req-patch-3", "req-delete-4");
    assertThat(events.get(0).data()).isEqualTo(created.json());
    assertThat(events.get(1).data()).isEqualTo(p1.json());
    assertThat(events.get(2).data()).isEqualTo(p2.json());
    assertThat(events.get(3).data()).isEqualTo(new JsonObject().put("id", id)
        .put("uid", created.json().getString("uid")));
    for (CloudEvent e : events) {
      JsonObject j = e.toJson();
      assertThat(j.getString("specversion")).isEqualTo("1.0");
      assertThat(java.util.UUID.fromString(e.id())).isNotNull();
      assertThat(e.source()).isEqualTo("/k0rdent/regions/local-1");
      assertThat(e.datacontenttype()).isEqualTo("application/json");
      assertThat(e.time()).isNotNull();
      assertThat(e.actorType()).isEqualTo("service_account");
      assertThat(e.actorId()).isNotBlank();
      assertThat(e.sourceAddress()).isEqualTo("127.0.0.1");
    }
    assertThat(events).extracting(CloudEvent::id).doesNotHaveDuplicates();
  }

  @Test
  void theActorIsWhoeverMadeTheChange() {
    String org = created(ORGS, new JsonObject().put("id", unique("actors"))).getString("id");
    Caller admin = caller(org, "org-admin");
    long mark = mark();
    Res r = api.post(PROJECTS, admin.token(), new JsonObject().put("id", unique("mine")).put("organizationId", org));
    assertThat(r.status()).as(r.body()).isEqualTo(201);
    List<CloudEvent> events = since(mark);
    assertThat(events).hasSize(1);
    Res who = api.send("POST", "/v1/regions/global/auth/introspect", "token=" + admin.token(),
        "Authorization", "Bearer " + admin.token(), "Content-Type", "application/x-www-form-urlencoded");
    assertThat(who.status()).as(who.body()).isEqualTo(200);
    assertThat(events.get(0).actorId()).isEqualTo(who.json().getString("sub"));
    assertThat(events.get(0).actorType()).isEqualTo("service_account");
    assertThat(events.get(0).requestId()).isEqualTo(r.header("X-Request-Id"));
  }

  @Test
  void aRefusedChangeAppendsNoEvent() {
    String org = created(ORGS, new JsonObject().put("id", unique("refused"))).getString("id");
    String id = unique("dup");
    Res first = node.atlas.post(PROJECTS, token, new JsonObject().put("id", id).put("organizationId", org));
    assertThat(first.status()).isEqualTo(201);
    long mark = mark();
    // 409 ALREADY_EXISTS
    assertThat(node.atlas.post(PROJECTS, token, new JsonObject().put("id", id).put("organizationId", org)).status())
        .isEqualTo(409);
    // 409 FAILED_PRECONDITION: the organization still has a project
    assertThat(node.atlas.delete(ORGS + "/" + org, token).status()).isEqualTo(409);
    // 412: a stale If-Match
    assertThat(node.atlas.patch(PROJECTS + "/" + id, token, new JsonObject().put("displayName", "x"),
        "If-Match", "\"zz-00000000\"").status()).isEqualTo(412);
    // 400: a bad body
    assertThat(node.atlas.post(PROJECTS, token, new JsonObject().put("id", "Not A Slug").put("organizationId", org))
        .status()).isEqualTo(400);
    // 404: nothing to delete
    assertThat(node.atlas.delete(PROJECTS + "/" + unique("none"), token).status()).isEqualTo(404);
    // 403: a caller without the permission
    Caller viewer = caller(org, "org-viewer");
    long afterViewer = mark();
    assertThat(api.patch(PROJECTS + "/" + id, viewer.token(), new JsonObject().put("displayName", "y")).status())
        .isEqualTo(403);
    assertThat(since(afterViewer)).isEmpty();
    // only the viewer's own setup (service account, its credential) happened since the mark
    assertThat(since(mark)).extracting(CloudEvent::type).containsExactly("ai.k0rdent.iam.serviceAccount.created",
        "ai.k0rdent.iam.serviceAccountCredential.created");
  }

  @Test
  void identityChangesAndRevocationsAreEventsWithoutSecrets() {
    String org = created(ORGS, new JsonObject().put("id", unique("secrets"))).getString("id");
    Caller admin = caller(org, "org-admin");
    long mark = mark();
    Res sa = node.atlas.post(SAS, token, new JsonObject().put("displayName", "robot").put("scope", "organization")
        .put("scopeId", org).put("roles", new JsonArray().add("org-viewer")));
    assertThat(sa.status()).as(sa.body()).isEqualTo(201);
    String saId = sa.json().getString("id");
    Res cred = node.atlas.post(SAS + "/" + saId + "/credentials", token, new JsonObject());
    assertThat(cred.status()).as(cred.body()).isEqualTo(201);
    String clientSecret = cred.json().getString("clientSecret");
    Res key = api.post(KEYS, admin.token(), new JsonObject().put("displayName", "ci").put("scope", "organization")
        .put("scopeId", org).put("roles", new JsonArray().add("org-admin")));
    assertThat(key.status()).as(key.body()).isEqualTo(201);
    String keySecret = secretOf(key.json());
    Res user = node.atlas.post(USERS, token, new JsonObject().put("organizationId", org)
        .put("email", unique("ann") + "@example.com").put("displayName", "Ann"));
    assertThat(user.status()).as(user.body()).isEqualTo(201);
    Res group = node.atlas.post(GROUPS, token, new JsonObject().put("organizationId", org).put("id", unique("ops"))
        .put("displayName", "Ops"));
    assertThat(group.status()).as(group.body()).isEqualTo(201);
    Res member = node.atlas.post(GROUPS + "/" + group.json().getString("id") + "/members", token,
        new JsonObject().put("userId", user.json().getString("id")));
    assertThat(member.status()).as(member.body()).isEqualTo(201);
    Res role = api.post(ROLES, admin.token(), new JsonObject().put("id", unique("ops")).put("displayName", "Ops")
        .put("permissions", new JsonArray().add("resourcemanager.projects.get")));
    assertThat(role.status()).as(role.body()).isEqualTo(201);
    Res policy = api.post(POLICIES, admin.token(), new JsonObject().put("orgId", org)
        .put("role", role.json().getString("id")).put("effect", "allow")
        .put("principal", new JsonObject().put("type", "serviceAccount").put("id", saId))
        .put("scope", new JsonObject().put("type", "org")));
    assertThat(policy.status()).as(policy.body()).isEqualTo(201);
    String robotToken = api.clientCredentialsToken(sa.json().getString("clientId"), clientSecret);
    String keyToken = apiKeyToken(keySecret);
    Res revoked = api.send("POST", "/v1/regions/global/auth/revoke", "token=" + Api.enc(robotToken),
        "Authorization", "Bearer " + robotToken, "Content-Type", "application/x-www-form-urlencoded");
    assertThat(revoked.status()).as(revoked.body()).isEqualTo(200);
    Res deletedCred = node.atlas.delete(SAS + "/" + saId + "/credentials/" + cred.json().getString("id"), token);
    assertThat(deletedCred.status()).as(deletedCred.body()).isEqualTo(204);

    List<CloudEvent> events = since(mark);
    assertThat(events).extracting(CloudEvent::type).containsSubsequence(
        "ai.k0rdent.iam.serviceAccount.created", "ai.k0rdent.iam.serviceAccountCredential.created",
        "ai.k0rdent.iam.apiKey.created", "ai.k0rdent.iam.user.created", "ai.k0rdent.iam.group.created",
        "ai.k0rdent.iam.groupMember.created", "ai.k0rdent.iam.role.created", "ai.k0rdent.iam.policy.created",
        "ai.k0rdent.auth.token.revoked",
        "ai.k0rdent.iam.serviceAccountCredential.deleted");
    // every kind's event shows what the API answered for it, under its selfLink
    for (Res r : List.of(sa, key, user, group, member, role, policy)) {
      String link = r.json().getString("selfLink");
      CloudEvent e = events.stream().filter(x -> x.subject().equals(link)).findFirst().orElseThrow();
      assertThat(e.type()).endsWith(".created");
      JsonObject expected = r.json().copy();
      expected.remove("secret"); // an API key's, shown once in its create answer only
      expected.remove("activeCredentialCount"); // counts a read adds (spec-deviations: not in events)
      expected.remove("memberCount");
      if (e.type().equals("ai.k0rdent.iam.groupMember.created")) {
        expected.remove("displayName"); // the member's user, which the answer adds
        expected.remove("email");
      }
      assertThat(e.data()).as(e.type()).isEqualTo(expected);
    }
    CloudEvent credential = events.stream()
        .filter(e -> e.type().equals("ai.k0rdent.iam.serviceAccountCredential.created")).findFirst().orElseThrow();
    assertThat(credential.subject()).isEqualTo(cred.json().getString("selfLink"));
    CloudEvent revocation = events.stream().filter(e -> e.type().equals("ai.k0rdent.auth.token.revoked"))
        .findFirst().orElseThrow();
    assertThat(revocation.data().getString("jti")).isNotBlank();
    assertThat(revocation.actorType()).isEqualTo("service_account");
    // which credential acted: the API key's id for its token, the credential's for a service account's
    long beforeKeyUse = mark();
    Res keyUse = api.post(PROJECTS, keyToken, new JsonObject().put("id", unique("bykey")).put("organizationId", org));
    assertThat(keyUse.status()).as(keyUse.body()).isEqualTo(201);
    assertThat(since(beforeKeyUse)).singleElement().satisfies(e -> {
      assertThat(e.actorType()).isEqualTo("api_key");
      assertThat(e.actorCredential()).isEqualTo(key.json().getString("id"));
    });
    long beforeKeyChange = mark();
    Res renamed = api.patch(KEYS + "/" + key.json().getString("id"), admin.token(),
        new JsonObject().put("displayName", "ci-2"));
    assertThat(renamed.status()).as(renamed.body()).isEqualTo(200);
    assertThat(since(beforeKeyChange)).singleElement().satisfies(e -> assertThat(e.actorCredential())
        .as("the admin's token was minted with its credential").isNotBlank());
    assertThat(revocation.actorCredential()).isEqualTo(cred.json().getString("id"));
    assertNoSecrets(events, clientSecret, keySecret, robotToken, keyToken, token, admin.token(),
        io.k0rdent.api.verticles.testsupport.TestNode.CLIENT_SECRET);
  }

  @Test
  void disablingAnAccountIsOneEventAndRepeatingItNone() {
    String org = created(ORGS, new JsonObject().put("id", unique("disable"))).getString("id");
    Res sa = node.atlas.post(SAS, token, new JsonObject().put("displayName", "robot").put("scope", "organization")
        .put("scopeId", org).put("roles", new JsonArray().add("org-viewer")));
    assertThat(sa.status()).as(sa.body()).isEqualTo(201);
    String link = sa.json().getString("selfLink");
    long mark = mark();
    JsonObject disable = new JsonObject().put("status", "disabled");
    assertThat(node.atlas.patch(link, token, disable).status()).isEqualTo(200);
    // the revocation of the account's tokens is part of that change, not a token's revocation of its own
    assertThat(since(mark)).extracting(CloudEvent::type).containsExactly("ai.k0rdent.iam.serviceAccount.updated");
    long again = mark();
    assertThat(node.atlas.patch(link, token, disable).status()).isEqualTo(200);
    assertThat(since(again)).as("a PATCH that changes nothing").isEmpty();
  }

  @Test
  void aSigningKeyRotationIsAnEventWithThePublicKeysOnly() {
    long mark = mark();
    Res rotated = node.atlas.post("/v1/regions/global/auth/keys:rotate", token, null, requestId("req-rotate"));
    assertThat(rotated.status()).as(rotated.body()).isEqualTo(200);
    List<CloudEvent> events = since(mark);
    assertThat(events).extracting(CloudEvent::type).containsExactly("ai.k0rdent.auth.signingKeys.rotated");
    CloudEvent e = events.get(0);
    assertThat(e.data()).isEqualTo(rotated.json());
    assertThat(e.requestId()).isEqualTo("req-rotate");
    assertThat(e.actorType()).isEqualTo("service_account");
    // public JWKs only: no private member of any key (RFC 7518 §6.2.2, §6.3.2)
    for (Object k : e.data().getJsonArray("keys")) {
      assertThat(((JsonObject) k).fieldNames()).doesNotContain("d", "p", "q", "dp", "dq", "qi", "k");
    }
  }

  /** The API key's secret in a create answer, whichever field carries it. */
  static String secretOf(JsonObject created) {
    for (String f : List.of("key", "apiKey", "secret", "token")) {
      if (created.getValue(f) instanceof String s && !s.isEmpty()) {
        return s;
      }
    }
    throw new AssertionError("no secret in " + created.fieldNames());
  }

  private static final java.util.regex.Pattern SECRET_NAME =
      java.util.regex.Pattern.compile("(?i)secret|hash|password|sealed|credentials|token$");

  /** Every member name in {@code json}, at any depth. */
  static List<String> keys(Object json, List<String> into) {
    if (json instanceof JsonObject o) {
      for (var e : o) {
        into.add(e.getKey());
        keys(e.getValue(), into);
      }
    } else if (json instanceof JsonArray a) {
      a.forEach(v -> keys(v, into));
    }
    return into;
  }

  /**
   * Scans every event, whole, for each secret and for any field whose name says it holds one (a hash is a secret
   * too: it lets an attacker test guesses offline).
   */
  static void assertNoSecrets(List<CloudEvent> events, String... secrets) {
    assertThat(events).isNotEmpty();
    for (CloudEvent e : events) {
      String text = e.toJson().encode();
      for (String s : secrets) {
        assertThat(text).as("event %s must not hold a secret", e.type()).doesNotContain(s);
      }
      assertThat(keys(e.toJson(), new ArrayList<>())).as("event %s field names", e.type())
          .noneMatch(k -> SECRET_NAME.matcher(k).find());
    }
  }
}
