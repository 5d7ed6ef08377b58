package io.k0rdent.api.verticles.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.k0rdent.api.verticles.testsupport.Api;
import io.k0rdent.api.verticles.testsupport.Api.Res;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * Organizations and projects end to end over HTTP (operations createOrganization .. deleteProject), run
 * against each store adapter by a subclass. Every response body of these operations is validated against
 * strict versions of the upstream contract's schemas.
 */
abstract class ResourcesHttpContract extends NodeHttpTest {


  static String unique(String prefix) {
    return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  Res checked(String operationId, Res r) {
    CONTRACT.assertValid(operationId, r.status(), r.body());
    return r;
  }

  Res createOrg(String id, String displayName) {
    JsonObject body = new JsonObject().put("id", id);
    if (displayName != null) {
      body.put("displayName", displayName);
    }
    return checked("createOrganization", api.post(ORGS, token, body));
  }

  Res createProject(String id, String org) {
    return checked("createProject", api.post(PROJECTS, token, new JsonObject().put("id", id).put("organizationId", org)));
  }

  @Test
  void organizationLifecycle() {
    String id = unique("acme");
    Res created = createOrg(id, "Acme Corp");
    assertThat(created.status()).isEqualTo(201);
    JsonObject org = created.json();
    assertThat(org.getString("id")).isEqualTo(id);
    assertThat(org.getString("displayName")).isEqualTo("Acme Corp");
    assertThat(org.getString("selfLink")).isEqualTo(ORGS + "/" + id);
    assertThat(created.header("Location")).isEqualTo(ORGS + "/" + id);
    assertThat(created.header("ETag")).isEqualTo(org.getString("etag"));
    assertThat(UUID.fromString(org.getString("uid"))).isNotNull();
    assertThat(org.getString("createdAt")).isEqualTo(org.getString("updatedAt"));

    Res got = checked("getOrganization", api.get(ORGS + "/" + id, token));
    assertThat(got.status()).isEqualTo(200);
    assertThat(got.json()).isEqualTo(org);
    assertThat(got.header("ETag")).isEqualTo(org.getString("etag"));

    Res patched = checked("updateOrganization", api.patch(ORGS + "/" + id, token,
        new JsonObject().put("description", "GPU tenant"), "If-Match", org.getString("etag")));
    assertThat(patched.status()).isEqualTo(200);
    assertThat(patched.json().getString("description")).isEqualTo("GPU tenant");
    assertThat(patched.json().getString("displayName")).isEqualTo("Acme Corp");
    assertThat(patched.json().getString("etag")).isNotEqualTo(org.getString("etag"));
    assertThat(patched.json().getString("createdAt")).isEqualTo(org.getString("createdAt"));

    Res removed = checked("updateOrganization", api.patch(ORGS + "/" + id, token,
        new JsonObject().putNull("displayName")));
    assertThat(removed.status()).isEqualTo(200);
    assertThat(removed.json().containsKey("displayName")).isFalse();
    assertThat(removed.json().getString("description")).isEqualTo("GPU tenant");

    Res stale = checked("deleteOrganization", api.delete(ORGS + "/" + id, token, "If-Match", org.getString("etag")));
    assertThat(stale.status()).isEqualTo(412);
    assertThat(api.get(ORGS + "/" + id, token).status()).isEqualTo(200);

    Res deleted = api.delete(ORGS + "/" + id, token, "If-Match", removed.json().getString("etag"));
    assertThat(deleted.status()).isEqualTo(204);
    assertThat(deleted.body()).isEmpty();
    Res gone = checked("getOrganization", api.get(ORGS + "/" + id, token));
    assertThat(gone.status()).isEqualTo(404);
    assertThat(checked("deleteOrganization", api.delete(ORGS + "/" + id, token)).status()).isEqualTo(404);
  }

  @Test
  void generatedIdsCarryTheTypePrefix() {
    Res r = checked("createOrganization", api.post(ORGS, token, new JsonObject()));
    assertThat(r.status()).isEqualTo(201);
    assertThat(r.json().getString("id")).matches("org-[a-z0-9]{10}");
    Res p = checked("createProject", api.post(PROJECTS, token,
        new JsonObject().put("organizationId", r.json().getString("id"))));
    assertThat(p.status()).isEqualTo(201);
    assertThat(p.json().getString("id")).matches("project-[a-z0-9]{10}");
  }

  @Test
  void duplicateIdIsAConflictAndKeepsTheOriginal() {
    String id = unique("dup");
    assertThat(createOrg(id, "first").status()).isEqualTo(201);
    Res again = createOrg(id, "second");
    assertThat(again.status()).isEqualTo(409);
    assertThat(again.reason()).isEqualTo("ALREADY_EXISTS");
    assertThat(api.get(ORGS + "/" + id, token).json().getString("displayName")).isEqualTo("first");
  }

  @Test
  void projectLifecycleAndReferentialRules() {
    String org = unique("org");
    createOrg(org, null);
    Res missingOrg = createProject(unique("p"), unique("nope"));
    assertThat(missingOrg.status()).isEqualTo(400);
    assertThat(missingOrg.body()).contains("organizationId");

    String pid = unique("train");
    Res p = createProject(pid, org);
    assertThat(p.status()).isEqualTo(201);
    assertThat(p.json().getString("organizationId")).isEqualTo(org);
    assertThat(p.header("Location")).isEqualTo(PROJECTS + "/" + pid);

    Res blocked = checked("deleteOrganization", api.delete(ORGS + "/" + org, token));
    assertThat(blocked.status()).isEqualTo(409);
    assertThat(blocked.reason()).isEqualTo("FAILED_PRECONDITION");
    assertThat(api.get(ORGS + "/" + org, token).status()).isEqualTo(200);
    assertThat(api.get(PROJECTS + "/" + pid, token).status()).isEqualTo(200);

    Res upd = checked("updateProject", api.patch(PROJECTS + "/" + pid, token,
        new JsonObject().put("displayName", "Training")));
    assertThat(upd.status()).isEqualTo(200);
    assertThat(upd.json().getString("displayName")).isEqualTo("Training");
    Res got = checked("getProject", api.get(PROJECTS + "/" + pid, token));
    assertThat(got.json()).isEqualTo(upd.json());

    Res moved = checked("updateProject", api.patch(PROJECTS + "/" + pid, token,
        new JsonObject().put("organizationId", "other")));
    assertThat(moved.status()).isEqualTo(400);
    assertThat(moved.body()).contains("read-only");

    assertThat(checked("deleteProject", api.delete(PROJECTS + "/" + pid, token, "If-Match", "\"bogus\"")).status())
        .isEqualTo(412);
    assertThat(api.delete(PROJECTS + "/" + pid, token, "If-Match", upd.json().getString("etag")).status())
        .isEqualTo(204);
    assertThat(checked("getProject", api.get(PROJECTS + "/" + pid, token)).status()).isEqualTo(404);
    assertThat(api.delete(ORGS + "/" + org, token).status()).isEqualTo(204);
  }

  @Test
  void listsPageWithoutSkipsOrRepeatsWhileGrowing() {
    String org = unique("pager");
    createOrg(org, null);
    Set<String> initial = new HashSet<>();
    for (int i = 0; i < 7; i++) {
      String pid = "p" + i + "-" + org;
      createProject(pid, org);
      initial.add(pid);
    }
    List<String> seen = new ArrayList<>();
    String pageToken = null;
    int pages = 0;
    do {
      String q = PROJECTS + "?organizationId=" + org + "&pageSize=3" + (pageToken == null ? "" : "&pageToken=" + pageToken);
      Res r = checked("listProjects", api.get(q, token));
      assertThat(r.status()).isEqualTo(200);
      JsonArray items = r.json().getJsonArray("projects");
      assertThat(items.size()).isLessThanOrEqualTo(3);
      items.forEach(o -> seen.add(((JsonObject) o).getString("id")));
      pageToken = r.json().getString("nextPageToken");
      if (pages == 0) {
        createProject("late-" + org, org);
      }
      pages++;
    } while (pageToken != null && pages < 10);
    assertThat(seen).doesNotHaveDuplicates();
    assertThat(seen).containsAll(initial);
    assertThat(seen).contains("late-" + org);
    assertThat(seen).hasSize(8);
    assertThat(pages).isEqualTo(3);
  }

  @Test
  void pageTokensAreTamperEvidentAndBoundToFilters() {
    String org = unique("tok");
    createOrg(org, null);
    for (int i = 0; i < 3; i++) {
      createProject("t" + i + "-" + org, org);
    }
    Res first = api.get(PROJECTS + "?organizationId=" + org + "&pageSize=1", token);
    String t = first.json().getString("nextPageToken");
    assertThat(t).isNotNull();
    char c = t.charAt(t.length() / 2);
    String altered = t.substring(0, t.length() / 2) + (c == 'A' ? 'B' : 'A') + t.substring(t.length() / 2 + 1);
    Res bad = checked("listProjects", api.get(PROJECTS + "?organizationId=" + org + "&pageToken=" + altered, token));
    assertThat(bad.status()).isEqualTo(400);
    assertThat(bad.body()).contains("pageToken");
    Res otherFilter = api.get(PROJECTS + "?pageToken=" + t, token);
    assertThat(otherFilter.status()).isEqualTo(400);
    Res otherList = api.get(ORGS + "?pageToken=" + t, token);
    assertThat(otherList.status()).isEqualTo(400);
    assertThat(api.get(PROJECTS + "?organizationId=" + org + "&pageToken=garbage!!", token).status()).isEqualTo(400);
  }

  @Test
  void pageSizeBounds() {
    assertThat(checked("listOrganizations", api.get(ORGS + "?pageSize=500", token)).status()).isEqualTo(200);
    for (String bad : new String[] {"501", "0", "-1", "ten", "1.5"}) {
      Res r = checked("listOrganizations", api.get(ORGS + "?pageSize=" + bad, token));
      assertThat(r.status()).as("pageSize=%s", bad).isEqualTo(400);
      assertThat(r.body()).contains("pageSize");
    }
    Res defaults = checked("listOrganizations", api.get(ORGS, token));
    assertThat(defaults.json().getJsonArray("organizations").size()).isLessThanOrEqualTo(50);
  }

  @Test
  void idempotencyKeyReplaysPerPrincipal() {
    String id = unique("idem");
    JsonObject body = new JsonObject().put("id", id).put("displayName", "Once");
    String key = UUID.randomUUID().toString();
    Res first = api.post(ORGS, token, body, "Idempotency-Key", key);
    assertThat(first.status()).isEqualTo(201);
    Res replay = checked("createOrganization", api.post(ORGS, token, body, "Idempotency-Key", key));
    assertThat(replay.status()).isEqualTo(201);
    assertThat(replay.json()).isEqualTo(first.json());
    assertThat(replay.header("ETag")).isEqualTo(first.header("ETag"));
    assertThat(replay.header("Location")).isEqualTo(first.header("Location"));
    assertThat(replay.header("Idempotent-Replayed")).isEqualTo("true");

    Res other = checked("createOrganization", api.post(ORGS, token, body.copy().put("displayName", "Twice"),
        "Idempotency-Key", key));
    assertThat(other.status()).isEqualTo(422);
    assertThat(api.get(ORGS + "/" + id, token).json().getString("displayName")).isEqualTo("Once");

    Res noKey = api.post(ORGS, token, body);
    assertThat(noKey.status()).isEqualTo(409);
  }

  @Test
  void idempotencyKeysArePrivateToThePrincipal() {
    String other = "other-admin-" + UUID.randomUUID().toString().substring(0, 6) + "@provider.iam";
    String otherToken = node.adminToken(other);
    String key = UUID.randomUUID().toString();
    JsonObject body = new JsonObject().put("displayName", "generated id");
    Res mine = api.post(ORGS, token, body, "Idempotency-Key", key);
    Res theirs = api.post(ORGS, otherToken, body, "Idempotency-Key", key);
    assertThat(mine.status()).isEqualTo(201);
    assertThat(theirs.status()).isEqualTo(201);
    assertThat(theirs.header("Idempotent-Replayed")).isNull();
    assertThat(theirs.json().getString("id")).isNotEqualTo(mine.json().getString("id"));
    Res mineAgain = api.post(ORGS, token, body, "Idempotency-Key", key);
    assertThat(mineAgain.json().getString("id")).isEqualTo(mine.json().getString("id"));
  }

  @Test
  void failedRequestFreesItsIdempotencyKey() {
    String org = unique("later");
    String key = UUID.randomUUID().toString();
    JsonObject body = new JsonObject().put("id", unique("p")).put("organizationId", org);
    assertThat(api.post(PROJECTS, token, body, "Idempotency-Key", key).status()).isEqualTo(400);
    createOrg(org, null);
    assertThat(api.post(PROJECTS, token, body, "Idempotency-Key", key).status()).isEqualTo(201);
  }

  @Test
  void concurrentPatchesWithoutIfMatchAreAllApplied() throws Exception {
    String id = unique("race");
    createOrg(id, null);
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<Res>> results = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        final int n = i;
        results.add(pool.submit(() -> api.patch(ORGS + "/" + id, token,
            new JsonObject().put("description", "writer " + n))));
      }
      for (Future<Res> f : results) {
        assertThat(f.get().status()).isEqualTo(200);
      }
    } finally {
      pool.shutdownNow();
    }
    JsonObject after = api.get(ORGS + "/" + id, token).json();
    assertThat(after.getString("description")).startsWith("writer ");
    assertThat(after.getString("etag")).startsWith("\"9-");
  }

  @Test
  void concurrentCreatesOfOneIdYieldExactlyOneWinner() throws Exception {
    String id = unique("once");
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<Res>> results = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        results.add(pool.submit(() -> api.post(ORGS, token, new JsonObject().put("id", id))));
      }
      int created = 0;
      for (Future<Res> f : results) {
        int s = f.get().status();
        assertThat(s).isIn(201, 409);
        created += s == 201 ? 1 : 0;
      }
      assertThat(created).isEqualTo(1);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void providerOrganizationIsSeeded() {
    Res r = checked("getOrganization", api.get(ORGS + "/provider", token));
    assertThat(r.status()).isEqualTo(200);
  }
}
