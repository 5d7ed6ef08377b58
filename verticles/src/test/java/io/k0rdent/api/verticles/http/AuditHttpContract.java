package io.k0rdent.api.verticles.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.k0rdent.api.verticles.contract.ContractSchemas;
import io.k0rdent.api.verticles.testsupport.Api;
import io.k0rdent.api.verticles.testsupport.Api.Res;
import io.k0rdent.api.verticles.testsupport.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The audit log ({@code listAuditEvents}) over HTTP, against each store by a subclass. Two organizations' administrators
 * (service accounts holding {@code org-admin}) make changes through Arc; each reads only its own organization's
 * events, on either face, newest first, with the actor and request of every change; a principal without
 * {@code audit.events.list} gets 403; the provider's operators read every organization on Atlas but only the
 * provider's own on Arc; the filters, pages and bad parameters behave as documented. Every answer is checked against
 * our own OpenAPI document (strict).
 */
abstract class AuditHttpContract extends NodeHttpTest {

  static final String AUDIT = "/v1/regions/global/audit";
  /** Our own document, strict (listAuditEvents is our extension, not in the upstream contract). */
  static final ContractSchemas OURS = ContractSchemas.load(
      Path.of("..", "router", "src", "main", "resources", "openapi", "k0rdent-api.yaml"),
      ContractSchemas.Rules.none());
  static final String PROJECT_CREATED = "ai.k0rdent.resourcemanager.project.created";

  /** One organization, its administrator and what the administrator changed. */
  record Tenant(String org, Caller admin, String project, String projectRequestId, String account) {
    String projectLink() {
      return PROJECTS + "/" + project;
    }
  }

  Tenant a;
  Tenant b;
  Caller viewerA;
  Caller bareA;
  Caller projectAdminA;
  Caller auditor;
  Caller auditorA;
  String providerProject;

  /** An organization whose administrator creates a project, renames it and creates a service account, on Arc. */
  private Tenant tenant() {
    String org = unique("org");
    created(ORGS, new JsonObject().put("id", org));
    Caller admin = caller(org, "org-admin");
    Res project = api.post(PROJECTS, admin.token(), new JsonObject().put("id", unique("proj")).put("organizationId", org));
    assertThat(project.status()).as(project.body()).isEqualTo(201);
    String projectId = project.json().getString("id");
    Res renamed = api.patch(PROJECTS + "/" + projectId, admin.token(), new JsonObject().put("displayName", "Renamed"));
    assertThat(renamed.status()).as(renamed.body()).isEqualTo(200);
    Res sa = api.post(SAS, admin.token(), new JsonObject().put("displayName", "robot").put("scope", "organization")
        .put("scopeId", org));
    assertThat(sa.status()).as(sa.body()).isEqualTo(201);
    return new Tenant(org, admin, projectId, project.header("X-Request-Id"), sa.json().getString("id"));
  }

  @BeforeAll
  void changes() {
    a = tenant();
    b = tenant();
    viewerA = caller(a.org(), "org-viewer");
    bareA = caller(a.org());
    projectAdminA = scopedCaller("project", a.project(), "project-admin");
    providerProject = created(PROJECTS, new JsonObject().put("id", unique("ops")).put("organizationId", "provider"))
        .getString("id");
    // a platform auditor: a provider principal bound audit-viewer (audit.events.list only) at platform scope
    auditor = caller("provider");
    created(POLICIES, new JsonObject().put("role", "audit-viewer")
        .put("principal", new JsonObject().put("type", "serviceAccount").put("id", auditor.serviceAccountId()))
        .put("scope", new JsonObject().put("type", "platform")));
    // an auditor of organization A only
    auditorA = caller(a.org(), "audit-viewer");
  }

  /** {@code GET /audit?query} on {@code face}, its answer checked against our document. */
  Res audit(Api face, String token, String query) {
    Res r = face.get(AUDIT + (query == null || query.isEmpty() ? "" : "?" + query), token);
    OURS.assertValid("listAuditEvents", r.status(), r.body());
    return r;
  }

  /** Every event {@code token} reads on {@code face} with {@code query}, walking all pages of {@code pageSize}. */
  List<JsonObject> all(Api face, String token, String query, int pageSize) {
    List<JsonObject> out = new ArrayList<>();
    String base = (query == null || query.isEmpty() ? "" : query + "&") + "pageSize=" + pageSize;
    String next = null;
    int pages = 0;
    do {
      Res r = audit(face, token, base + (next == null ? "" : "&pageToken=" + Api.enc(next)));
      assertThat(r.status()).as(r.body()).isEqualTo(200);
      JsonArray events = r.json().getJsonArray("events");
      events.forEach(e -> out.add((JsonObject) e));
      next = r.json().getString("nextPageToken");
      if (next != null) {
        assertThat(events).as("a page before the last is full").hasSize(pageSize);
      }
      assertThat(++pages).as("pages").isLessThan(1000);
    } while (next != null);
    return out;
  }

  List<JsonObject> all(Api face, String token, String query) {
    return all(face, token, query, 500);
  }

  static List<String> subjects(List<JsonObject> events) {
    return events.stream().map(e -> e.getString("subject")).toList();
  }

  static List<String> ids(List<JsonObject> events) {
    return events.stream().map(e -> e.getString("id")).toList();
  }

  /** The field a 400's BadRequest detail names. */
  static List<String> violatedFields(Res r) {
    List<String> fields = new ArrayList<>();
    for (Object d : r.json().getJsonObject("error").getJsonArray("details")) {
      JsonArray v = ((JsonObject) d).getJsonArray("fieldViolations");
      if (v != null) {
        v.forEach(x -> fields.add(((JsonObject) x).getString("field")));
      }
    }
    return fields;
  }

  private static void assertNewestFirst(List<JsonObject> events) {
    List<Instant> times = events.stream().map(e -> Instant.parse(e.getString("time"))).toList();
    for (int i = 1; i < times.size(); i++) {
      assertThat(times.get(i)).as("event %d is not newer than event %d", i, i - 1).isBeforeOrEqualTo(times.get(i - 1));
    }
  }

  /** What {@code mine} may read, and that none of {@code theirs} shows through, on both faces. */
  private void assertSeesOnlyItsOwn(Tenant mine, Tenant theirs) {
    for (Api face : List.of(api, node.atlas)) {
      Res r = audit(face, mine.admin().token(), "pageSize=500");
      assertThat(r.status()).as(r.body()).isEqualTo(200);
      assertThat(r.body()).doesNotContain(theirs.org()).doesNotContain(theirs.project())
          .doesNotContain(theirs.account()).doesNotContain(theirs.admin().clientId()).doesNotContain(providerProject);
      List<JsonObject> events = all(face, mine.admin().token(), null);
      assertThat(events).isNotEmpty();
      assertNewestFirst(events);
      assertThat(subjects(events)).contains(ORGS + "/" + mine.org(), mine.projectLink(), SAS + "/" + mine.account())
          .doesNotContain(ORGS + "/" + theirs.org(), theirs.projectLink(), SAS + "/" + theirs.account());
      // newest first: the rename after the creation, the organization before everything in it
      List<String> types = events.stream().filter(e -> mine.projectLink().equals(e.getString("subject")))
          .map(e -> e.getString("type")).toList();
      assertThat(types).containsExactly("ai.k0rdent.resourcemanager.project.updated", PROJECT_CREATED);
      assertThat(subjects(events).indexOf(ORGS + "/" + mine.org())).isEqualTo(events.size() - 1);
      // who and through which request
      JsonObject created = events.stream().filter(e -> mine.projectLink().equals(e.getString("subject"))
          && PROJECT_CREATED.equals(e.getString("type"))).findFirst().orElseThrow();
      assertThat(created.getString("specversion")).isEqualTo("1.0");
      assertThat(created.getString("actorid")).isEqualTo(mine.admin().clientId());
      assertThat(created.getString("actortype")).isEqualTo("service_account");
      assertThat(created.getString("requestid")).isNotBlank().isEqualTo(mine.projectRequestId());
      assertThat(created.getString("sourceaddress")).isNotBlank();
      assertThat(created.getJsonObject("data").getString("organizationId")).isEqualTo(mine.org());
      assertThat(events).allSatisfy(e -> assertThat(e.getString("actorid")).isNotBlank());
    }
  }

  @Test
  void eachOrganizationsAdministratorSeesOnlyItsOwnEventsNewestFirst() {
    assertSeesOnlyItsOwn(a, b);
    assertSeesOnlyItsOwn(b, a);
  }

  @Test
  void anOrganizationsAuditorReadsWhatItsAdministratorReads() {
    for (Api face : List.of(api, node.atlas)) {
      List<JsonObject> seen = all(face, auditorA.token(), null);
      assertThat(ids(seen)).containsExactlyElementsOf(ids(all(face, a.admin().token(), null)));
      assertThat(seen.toString()).doesNotContain(b.org());
    }
  }

  @Test
  void withoutAuditEventsListTheAnswerIs403() {
    for (Caller c : List.of(viewerA, bareA, projectAdminA)) {
      for (Api face : List.of(api, node.atlas)) {
        Res r = audit(face, c.token(), null);
        assertThat(r.status()).as(c.serviceAccountId() + " " + r.body()).isEqualTo(403);
        assertThat(r.json().getJsonObject("error").getInteger("code")).isEqualTo(403);
        assertThat(r.reason()).isEqualTo("PERMISSION_DENIED");
        // refused before its parameters are read: bad ones change nothing
        assertThat(audit(face, c.token(), "pageSize=0&startTime=never").status()).isEqualTo(403);
      }
    }
  }

  @Test
  void providerOperatorsSeeEveryOrganizationOnAtlasButOnlyTheirOwnOnArc() {
    for (String operator : List.of(token, auditor.token())) {
      List<String> atlas = subjects(all(node.atlas, operator, null));
      assertThat(atlas).contains(a.projectLink(), b.projectLink(), PROJECTS + "/" + providerProject,
          ORGS + "/" + a.org(), ORGS + "/" + b.org(), SAS + "/" + a.account(), SAS + "/" + b.account());
      List<JsonObject> arc = all(api, operator, null);
      assertThat(subjects(arc)).contains(PROJECTS + "/" + providerProject)
          .doesNotContain(a.projectLink(), b.projectLink(), ORGS + "/" + a.org(), ORGS + "/" + b.org());
      assertThat(arc.toString()).doesNotContain(a.org()).doesNotContain(b.org());
    }
    // the operator's Atlas view is the union, the organizations' own views its parts
    List<String> everything = ids(all(node.atlas, token, null));
    assertThat(everything).containsAll(ids(all(api, a.admin().token(), null)))
        .containsAll(ids(all(api, b.admin().token(), null))).doesNotHaveDuplicates();
  }

  @Test
  void theFiltersNarrowOverHttp() {
    String t = a.admin().token();
    List<JsonObject> mine = all(api, t, null);

    List<JsonObject> byType = all(api, t, "type=" + Api.enc(PROJECT_CREATED));
    assertThat(byType).isNotEmpty().allSatisfy(e -> assertThat(e.getString("type")).isEqualTo(PROJECT_CREATED));
    assertThat(subjects(byType)).containsExactly(a.projectLink());

    List<JsonObject> byResource = all(api, t, "resource=" + Api.enc(a.projectLink()));
    assertThat(byResource).extracting(e -> e.getString("type"))
        .containsExactly("ai.k0rdent.resourcemanager.project.updated", PROJECT_CREATED);
    assertThat(subjects(all(api, t, "resource=" + Api.enc(SAS + "/")))).allMatch(x -> x.startsWith(SAS + "/"))
        .contains(SAS + "/" + a.account(), SAS + "/" + viewerA.serviceAccountId())
        .anyMatch(x -> x.startsWith(SAS + "/" + viewerA.serviceAccountId() + "/credentials/"));
    // a prefix is literal text: a LIKE wildcard matches nothing here
    assertThat(all(api, t, "resource=" + Api.enc("/v1/regions/global/%"))).isEmpty();
    assertThat(all(api, t, "resource=" + Api.enc("_"))).isEmpty();

    List<JsonObject> byActor = all(api, t, "actor=" + Api.enc(a.admin().clientId()));
    assertThat(subjects(byActor)).containsExactlyInAnyOrder(a.projectLink(), a.projectLink(), SAS + "/" + a.account());
    assertThat(byActor).allSatisfy(e -> assertThat(e.getString("actorid")).isEqualTo(a.admin().clientId()));
    // the operator's changes in the organization are the others
    assertThat(all(api, t, "actor=" + Api.enc(TestNode.CLIENT_ID))).hasSize(mine.size() - byActor.size());
    assertThat(all(api, t, "actor=" + Api.enc(b.admin().clientId()))).isEmpty();

    // time: startTime inclusive, endTime exclusive; offsets other than Z name the same instant
    JsonObject created = byType.get(0);
    Instant at = Instant.parse(created.getString("time"));
    String plusTwo = Api.enc(OffsetDateTime.ofInstant(at, ZoneOffset.ofHours(2)).toString());
    List<String> from = ids(all(api, t, "startTime=" + plusTwo));
    List<String> before = ids(all(api, t, "endTime=" + Api.enc(at.toString())));
    assertThat(from).contains(created.getString("id"));
    assertThat(before).doesNotContain(created.getString("id"));
    List<String> expectedFrom = new ArrayList<>();
    List<String> expectedBefore = new ArrayList<>();
    for (JsonObject e : mine) {
      (Instant.parse(e.getString("time")).isBefore(at) ? expectedBefore : expectedFrom).add(e.getString("id"));
    }
    assertThat(from).containsExactlyElementsOf(expectedFrom);
    assertThat(before).containsExactlyElementsOf(expectedBefore);
    assertThat(all(api, t, "startTime=" + Api.enc(at.toString()) + "&endTime=" + Api.enc(at.plusMillis(1).toString())))
        .extracting(e -> e.getString("time")).allMatch(x -> Instant.parse(x).equals(at)).isNotEmpty();
    // together
    assertThat(subjects(all(api, t, "type=" + Api.enc(PROJECT_CREATED) + "&actor=" + Api.enc(a.admin().clientId())
        + "&resource=" + Api.enc(PROJECTS + "/") + "&startTime=" + plusTwo))).containsExactly(a.projectLink());
    assertThat(all(api, t, "type=" + Api.enc(PROJECT_CREATED) + "&endTime=" + Api.enc(at.toString()))).isEmpty();
  }

  @Test
  void pagesWalkTheLogWithoutGapsOrRepeats() {
    String t = a.admin().token();
    List<String> whole = ids(all(api, t, null));
    assertThat(whole).hasSizeGreaterThan(4).doesNotHaveDuplicates();
    for (int size : new int[] {1, 2, 3}) {
      assertThat(ids(all(api, t, null, size))).as("pages of %d", size).containsExactlyElementsOf(whole);
    }
    Set<String> filtered = new HashSet<>(ids(all(api, t, "resource=" + Api.enc(PROJECTS + "/"), 1)));
    assertThat(filtered).hasSize(2);
    // the last page has no token
    Res last = audit(api, t, "pageSize=500");
    assertThat(last.json().containsKey("nextPageToken")).isFalse();
    // a token is bound to its list: other filters, another organization, the other face's reach
    Res first = audit(api, t, "pageSize=1");
    String next = first.json().getString("nextPageToken");
    assertThat(next).isNotBlank();
    assertThat(audit(api, t, "pageSize=1&pageToken=" + Api.enc(next)).status()).isEqualTo(200);
    for (Res r : List.of(audit(api, t, "pageSize=1&type=x&pageToken=" + Api.enc(next)),
        audit(api, t, "pageSize=1&actor=x&pageToken=" + Api.enc(next)),
        audit(api, b.admin().token(), "pageSize=1&pageToken=" + Api.enc(next)),
        audit(api, t, "pageToken=" + Api.enc(next.substring(0, next.length() - 2) + "AA")),
        audit(api, t, "pageToken=not-a-token"))) {
      assertThat(r.status()).as(r.body()).isEqualTo(400);
      assertThat(violatedFields(r)).containsExactly("pageToken");
    }
    String atlasToken = audit(node.atlas, token, "pageSize=1").json().getString("nextPageToken");
    Res crossFace = audit(api, token, "pageSize=1&pageToken=" + Api.enc(atlasToken));
    assertThat(crossFace.status()).isEqualTo(400);
    assertThat(violatedFields(crossFace)).containsExactly("pageToken");
  }

  @Test
  void aNewOrganizationWithAnOldIdReadsNoneOfTheOldOnesHistory() {
    String id = unique("reused");
    created(ORGS, new JsonObject().put("id", id).put("displayName", "old tenant"));
    String secretProject = unique("nightingale");
    created(PROJECTS, new JsonObject().put("id", secretProject).put("organizationId", id)
        .put("displayName", "Project Nightingale (confidential)"));
    assertThat(node.atlas.delete(PROJECTS + "/" + secretProject, token).status()).isEqualTo(204);
    assertThat(node.atlas.delete(ORGS + "/" + id, token).status()).isEqualTo(204);

    created(ORGS, new JsonObject().put("id", id).put("displayName", "new tenant"));
    Caller admin = caller(id, "org-admin");
    for (Api face : List.of(api, node.atlas)) {
      List<JsonObject> seen = all(face, admin.token(), "");
      assertThat(seen).as("the new tenant's own history").isNotEmpty();
      assertThat(subjects(seen)).doesNotContain(PROJECTS + "/" + secretProject);
      assertThat(seen).noneMatch(e -> e.encode().contains("old tenant") || e.encode().contains("Nightingale"));
    }
    // the old history stays for platform auditors
    List<String> platform = subjects(all(node.atlas, token, "resource=" + Api.enc(PROJECTS + "/" + secretProject)));
    assertThat(platform).hasSize(2);
  }

  @Test
  void badParametersAre400NamingTheField() {
    String t = a.admin().token();
    record Bad(String query, String field) {}
    for (Bad bad : List.of(
        new Bad("startTime=yesterday", "startTime"),
        new Bad("startTime=2026-11-30T08:00:00", "startTime"), // no offset: not RFC 3339
        new Bad("endTime=2026-13-30T08:00:00Z", "endTime"),
        // years outside RFC 3339's four digits (java.time takes them; PostgreSQL cannot hold them: was a 500)
        new Bad("startTime=" + Api.enc("-999999999-01-01T00:00:00+18:00"), "startTime"),
        new Bad("endTime=" + Api.enc("+999999999-12-31T23:59:59-18:00"), "endTime"),
        new Bad("startTime=" + Api.enc("+294277-01-01T00:00:00Z"), "startTime"),
        new Bad("startTime=" + Api.enc("2026-01-01T00:00Z"), "startTime"), // no seconds
        new Bad("startTime=" + Api.enc("2026-01-01T00:00:00.Z"), "startTime"),
        new Bad("startTime=" + Api.enc("2026-01-01T00:00:00+00"), "startTime"),
        new Bad("startTime=" + Api.enc("2026-01-01T00:00:00+00:00:00"), "startTime"),
        new Bad("startTime=" + Api.enc("١٢٣٤-01-01T00:00:00Z"), "startTime"),
        new Bad("startTime=2026-11-30T08:00:00Z&endTime=2026-11-30T07:00:00Z", "endTime"),
        new Bad("startTime=2026-11-30T08:00:00Z&endTime=2026-11-30T08:00:00Z", "endTime"),
        new Bad("pageSize=0", "pageSize"), new Bad("pageSize=501", "pageSize"), new Bad("pageSize=ten", "pageSize"),
        new Bad("actor=", "actor"), new Bad("actor=a%01b", "actor"), new Bad("actor=" + "x".repeat(321), "actor"),
        new Bad("resource=" + "/".repeat(1025), "resource"), new Bad("resource=%00", "resource"),
        new Bad("type=", "type"), new Bad("type=a&type=b", "type"), new Bad("type=" + "t".repeat(256), "type"))) {
      Res r = audit(api, t, bad.query());
      assertThat(r.status()).as(bad.query() + " " + r.body()).isEqualTo(400);
      assertThat(r.json().getJsonObject("error").getInteger("code")).isEqualTo(400);
      assertThat(violatedFields(r)).as(bad.query()).containsExactly(bad.field());
    }
    // the limits themselves are fine
    assertThat(audit(api, t, "pageSize=500&actor=" + "x".repeat(320) + "&type=" + "t".repeat(255)).status())
        .isEqualTo(200);
    assertThat(audit(api, t, "startTime=" + Api.enc("0000-01-01T00:00:00+18:00") + "&endTime="
        + Api.enc("9999-12-31T23:59:59-18:00")).status()).isEqualTo(200);
    assertThat(audit(api, t, "startTime=" + Api.enc("2026-01-01t00:00:00.123456789z")).status()).isEqualTo(200);
  }

  @Test
  void theRouteIsPublicAndNeedsAToken() {
    for (Api face : List.of(api, node.atlas)) {
      Res r = face.send("GET", AUDIT, null);
      assertThat(r.status()).as(r.body()).isEqualTo(401);
      assertThat(r.json().getJsonObject("error").getInteger("code")).isEqualTo(401);
      assertThat(face.send("GET", AUDIT, null, "Authorization", "Bearer not-a-token").status()).isEqualTo(401);
      Res doc = face.send("GET", "/openapi.json", null);
      assertThat(doc.json().getJsonObject("paths").getJsonObject(AUDIT).getJsonObject("get").getString("operationId"))
          .isEqualTo("listAuditEvents");
    }
    // an unknown path on Arc is a 404: the 401 above is the route's own
    assertThat(api.send("GET", AUDIT + "-nope", null).status()).isEqualTo(404);
  }

}
