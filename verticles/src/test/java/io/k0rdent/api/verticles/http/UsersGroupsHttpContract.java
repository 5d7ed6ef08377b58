package io.k0rdent.api.verticles.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.k0rdent.api.verticles.testsupport.Api.Res;
import io.k0rdent.api.verticles.testsupport.TestNode;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Users, groups and group members end to end over HTTP, run against each store adapter by a subclass.
 * Every answer of a contract operation is validated against the strict upstream schemas; our Atlas-only
 * {@code createUser} answers the contract's {@code User}, so it is validated as {@code getUser}'s.
 */
abstract class UsersGroupsHttpContract extends NodeHttpTest {

  static final String USERS = "/v1/regions/global/iam/users";
  static final String GROUPS = "/v1/regions/global/iam/groups";
  static final String SAS = "/v1/regions/global/iam/service-accounts";

  static String unique(String prefix) {
    return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  Res checked(String operationId, Res r) {
    CONTRACT.assertValid(operationId, r.status(), r.body());
    return r;
  }

  String newOrg() {
    String org = unique("org");
    assertThat(api.post(ORGS, token, new JsonObject().put("id", org)).status()).isEqualTo(201);
    return org;
  }

  /** A user of {@code org}, created on Atlas. */
  JsonObject createUser(String org, String email) {
    Res r = node.atlas.post(USERS, token, new JsonObject().put("organizationId", org).put("email", email)
        .put("displayName", "Ada " + email));
    assertThat(r.status()).as(r.body()).isEqualTo(201);
    CONTRACT.assertValid("getUser", 200, r.body());
    assertThat(r.header("Location")).isEqualTo(USERS + "/" + r.json().getString("id"));
    assertThat(r.header("ETag")).isEqualTo(r.json().getString("etag"));
    return r.json();
  }

  JsonObject createGroup(String org) {
    Res r = checked("createGroup", api.post(GROUPS, token, new JsonObject().put("organizationId", org)
        .put("displayName", "Platform engineers").put("description", "on call")));
    assertThat(r.status()).as(r.body()).isEqualTo(201);
    return r.json();
  }

  Res addMember(String groupId, String userId) {
    return checked("addGroupMember", api.post(GROUPS + "/" + groupId + "/members", token,
        new JsonObject().put("userId", userId)));
  }

  static List<String> ids(Res list, String field) {
    return list.json().getJsonArray(field).stream().map(o -> ((JsonObject) o).getString("id")).toList();
  }

  @Test
  void createUserOnAtlasOnly() {
    String org = newOrg();
    JsonObject u = createUser(org, "ada@example.com");
    assertThat(u.getString("id")).startsWith("user-");
    assertThat(u.getString("organizationId")).isEqualTo(org);
    assertThat(u.getString("status")).isEqualTo("active");
    assertThat(u.getString("email")).isEqualTo("ada@example.com");

    Res onArc = api.post(USERS, token, new JsonObject().put("organizationId", org).put("email", "bob@example.com")
        .put("displayName", "Bob"));
    // exactly what any method the path lacks answers on Arc (PUT here): nothing tells POST apart
    Res lacking = api.send("PUT", USERS, "{}", "Authorization", "Bearer " + token, "Content-Type", "application/json");
    assertThat(onArc.status()).as(onArc.body()).isEqualTo(405).isEqualTo(lacking.status());
    assertThat(onArc.header("Allow")).isEqualTo(lacking.header("Allow")).doesNotContain("POST");
    assertThat(onArc.json()).isEqualTo(lacking.json());
    assertThat(api.send("POST", USERS, "{}", "Content-Type", "application/json").json())
        .isEqualTo(api.send("PUT", USERS, "{}", "Content-Type", "application/json").json());
    // the path's other methods are still served
    assertThat(checked("listUsers", api.get(USERS + "?organizationId=" + org, token)).status()).isEqualTo(200);
    assertThat(node.atlas.send("GET", "/openapi.json", null).body()).contains("createUser");
    assertThat(api.send("GET", "/openapi.json", null).body()).doesNotContain("createUser");

    // the same email in the organization, in another case: 409; in another organization: fine
    Res dup = node.atlas.post(USERS, token, new JsonObject().put("organizationId", org).put("email", "ADA@example.com")
        .put("displayName", "Ada again"));
    assertThat(dup.status()).as(dup.body()).isEqualTo(409);
    assertThat(dup.body()).contains("ALREADY_EXISTS");
    createUser(newOrg(), "ada@example.com");
    // a chosen id that is taken: 409
    Res taken = node.atlas.post(USERS, token, new JsonObject().put("id", u.getString("id")).put("organizationId", org)
        .put("email", "other@example.com").put("displayName", "Other"));
    assertThat(taken.status()).as(taken.body()).isEqualTo(409);
  }

  @Test
  void createUserRefusesBadInput() {
    String org = newOrg();
    JsonObject ok = new JsonObject().put("organizationId", org).put("email", "x@example.com").put("displayName", "X");
    for (JsonObject bad : List.of(ok.copy().put("organizationId", "no-such-org"), ok.copy().put("email", "not-an-email"),
        ok.copy().put("status", "active"), ok.copy().put("id", "Not A Slug"), ok.copy().put("displayName", ""),
        new JsonObject().put("email", "x@example.com").put("displayName", "X"),
        ok.copy().put("roles", new io.vertx.core.json.JsonArray().add("admin")))) {
      Res r = node.atlas.post(USERS, token, bad);
      assertThat(r.status()).as(bad.encode() + " → " + r.body()).isEqualTo(400);
    }
    assertThat(node.atlas.post(USERS, token, ok.copy().put("organizationId", "no-such-org")).body())
        .contains("organizationId");
  }

  @Test
  void listGetPatchDeleteUsers() {
    String org = newOrg();
    JsonObject a = createUser(org, "a@example.com");
    JsonObject b = createUser(org, "b@example.com");
    String other = newOrg();
    JsonObject c = createUser(other, "a@example.com");

    assertThat(ids(checked("listUsers", api.get(USERS + "?organizationId=" + org, token)), "users"))
        .containsExactly(a.getString("id"), b.getString("id"));
    assertThat(ids(checked("listUsers", api.get(USERS + "?email=A@Example.com", token)), "users"))
        .contains(a.getString("id"), c.getString("id")).doesNotContain(b.getString("id"));
    assertThat(ids(checked("listUsers", api.get(USERS + "?organizationId=" + org + "&email=b%40example.com", token)),
        "users")).containsExactly(b.getString("id"));
    Res paged = checked("listUsers", api.get(USERS + "?organizationId=" + org + "&pageSize=1", token));
    assertThat(ids(paged, "users")).containsExactly(a.getString("id"));
    Res next = checked("listUsers", api.get(USERS + "?organizationId=" + org + "&pageSize=1&pageToken="
        + paged.json().getString("nextPageToken"), token));
    assertThat(ids(next, "users")).containsExactly(b.getString("id"));

    Res got = checked("getUser", api.get(USERS + "/" + a.getString("id"), token));
    assertThat(got.json()).isEqualTo(a);
    assertThat(got.header("ETag")).isEqualTo(a.getString("etag"));

    Res patched = checked("updateUser", api.patch(USERS + "/" + a.getString("id"), token,
        new JsonObject().put("displayName", "Ada Lovelace").put("status", "suspended")));
    assertThat(patched.status()).as(patched.body()).isEqualTo(200);
    assertThat(patched.json().getString("displayName")).isEqualTo("Ada Lovelace");
    assertThat(patched.json().getString("status")).isEqualTo("suspended");
    assertThat(patched.json().getString("email")).isEqualTo("a@example.com");
    assertThat(patched.json().getString("etag")).isNotEqualTo(a.getString("etag"));
    assertThat(ids(checked("listUsers", api.get(USERS + "?organizationId=" + org + "&status=suspended", token)),
        "users")).containsExactly(a.getString("id"));
    assertThat(ids(checked("listUsers", api.get(USERS + "?organizationId=" + org + "&status=active", token)),
        "users")).containsExactly(b.getString("id"));
    // a stale If-Match: 412
    assertThat(checked("updateUser", api.patch(USERS + "/" + a.getString("id"), token,
        new JsonObject().put("status", "disabled"), "If-Match", a.getString("etag"))).status()).isEqualTo(412);

    assertThat(checked("deleteUser", api.delete(USERS + "/" + a.getString("id"), token)).status()).isEqualTo(204);
    assertThat(checked("getUser", api.get(USERS + "/" + a.getString("id"), token)).status()).isEqualTo(404);
    assertThat(checked("deleteUser", api.delete(USERS + "/" + a.getString("id"), token)).status()).isEqualTo(404);
    assertThat(checked("updateUser", api.patch(USERS + "/" + a.getString("id"), token,
        new JsonObject().put("status", "active"))).status()).isEqualTo(404);
  }

  @Test
  void badUserInputIs400() {
    String id = createUser(newOrg(), "bad@example.com").getString("id");
    for (String q : List.of("status=sleeping", "organizationId=Not_A_Slug", "email=", "email=nobody",
        "email=a%20b@example.com", "pageSize=0", "pageToken=garbage", "status=active&status=disabled")) {
      Res r = checked("listUsers", api.get(USERS + "?" + q, token));
      assertThat(r.status()).as(q + " → " + r.body()).isEqualTo(400);
    }
    for (JsonObject bad : List.of(new JsonObject(), new JsonObject().put("email", "new@example.com"),
        new JsonObject().put("status", "gone"), new JsonObject().put("displayName", (String) null),
        new JsonObject().put("roles", new io.vertx.core.json.JsonArray()),
        new JsonObject().put("organizationId", "elsewhere"))) {
      Res r = checked("updateUser", api.patch(USERS + "/" + id, token, bad));
      assertThat(r.status()).as(bad.encode() + " → " + r.body()).isEqualTo(400);
    }
    assertThat(checked("getUser", api.get(USERS + "/Not_A_Slug", token)).status()).isEqualTo(404);
  }

  @Test
  void groupsCrudWithMemberCount() {
    String org = newOrg();
    JsonObject g = createGroup(org);
    String id = g.getString("id");
    assertThat(id).startsWith("group-");
    assertThat(g.getInteger("memberCount")).isZero();
    assertThat(g.getString("organizationId")).isEqualTo(org);
    assertThat(g.getString("description")).isEqualTo("on call");

    JsonObject u1 = createUser(org, "m1@example.com");
    JsonObject u2 = createUser(org, "m2@example.com");
    assertThat(addMember(id, u1.getString("id")).status()).isEqualTo(201);
    assertThat(addMember(id, u2.getString("id")).status()).isEqualTo(201);

    Res got = checked("getGroup", api.get(GROUPS + "/" + id, token));
    assertThat(got.json().getInteger("memberCount")).isEqualTo(2);
    assertThat(got.header("ETag")).isEqualTo(got.json().getString("etag"));
    JsonObject empty = createGroup(org);
    Res list = checked("listGroups", api.get(GROUPS + "?organizationId=" + org, token));
    assertThat(ids(list, "groups")).containsExactly(id, empty.getString("id"));
    assertThat(list.json().getJsonArray("groups").getJsonObject(0).getInteger("memberCount")).isEqualTo(2);
    assertThat(list.json().getJsonArray("groups").getJsonObject(1).getInteger("memberCount")).isZero();
    assertThat(ids(checked("listGroups", api.get(GROUPS + "?organizationId=" + newOrg(), token)), "groups")).isEmpty();

    Res patched = checked("updateGroup", api.patch(GROUPS + "/" + id, token,
        new JsonObject().put("displayName", "SRE").putNull("description")));
    assertThat(patched.status()).as(patched.body()).isEqualTo(200);
    assertThat(patched.json().getString("displayName")).isEqualTo("SRE");
    assertThat(patched.json().containsKey("description")).isFalse();
    assertThat(patched.json().getInteger("memberCount")).isEqualTo(2);
    for (JsonObject bad : List.of(new JsonObject(), new JsonObject().putNull("displayName"),
        new JsonObject().put("organizationId", org), new JsonObject().put("memberCount", 3))) {
      assertThat(checked("updateGroup", api.patch(GROUPS + "/" + id, token, bad)).status()).as(bad.encode())
          .isEqualTo(400);
    }

    // bad creates and filters
    for (JsonObject bad : List.of(new JsonObject().put("displayName", "x"),
        new JsonObject().put("organizationId", "no-such-org").put("displayName", "x"),
        new JsonObject().put("organizationId", org), new JsonObject().put("organizationId", org).put("displayName", "x")
            .put("memberCount", 1))) {
      assertThat(checked("createGroup", api.post(GROUPS, token, bad)).status()).as(bad.encode()).isEqualTo(400);
    }
    assertThat(checked("createGroup", api.post(GROUPS, token, new JsonObject().put("id", id).put("organizationId", org)
        .put("displayName", "again"))).status()).isEqualTo(409);
    assertThat(checked("listGroups", api.get(GROUPS + "?organizationId=BAD", token)).status()).isEqualTo(400);

    assertThat(checked("deleteGroup", api.delete(GROUPS + "/" + id, token)).status()).isEqualTo(204);
    assertThat(checked("getGroup", api.get(GROUPS + "/" + id, token)).status()).isEqualTo(404);
    assertThat(checked("listGroupMembers", api.get(GROUPS + "/" + id + "/members", token)).status()).isEqualTo(404);
    // the users stay
    assertThat(checked("getUser", api.get(USERS + "/" + u1.getString("id"), token)).status()).isEqualTo(200);
  }

  @Test
  void membersAddListGetRemove() {
    String org = newOrg();
    String group = createGroup(org).getString("id");
    JsonObject u = createUser(org, "member@example.com");
    String members = GROUPS + "/" + group + "/members";

    Res added = addMember(group, u.getString("id"));
    assertThat(added.status()).as(added.body()).isEqualTo(201);
    JsonObject m = added.json();
    assertThat(m.getString("id")).startsWith("member-");
    assertThat(added.header("Location")).isEqualTo(members + "/" + m.getString("id"));
    assertThat(m.getString("selfLink")).isEqualTo(members + "/" + m.getString("id"));
    assertThat(m.getString("groupId")).isEqualTo(group);
    assertThat(m.getString("userId")).isEqualTo(u.getString("id"));
    assertThat(m.getString("displayName")).isEqualTo(u.getString("displayName"));
    assertThat(m.getString("email")).isEqualTo("member@example.com");
    assertThat(m.getString("addedBy")).isEqualTo(TestNode.CLIENT_ID);

    // the member shows the user as it is now
    api.patch(USERS + "/" + u.getString("id"), token, new JsonObject().put("displayName", "Renamed"));
    Res got = checked("getGroupMember", api.get(members + "/" + m.getString("id"), token));
    assertThat(got.status()).isEqualTo(200);
    assertThat(got.json().getString("displayName")).isEqualTo("Renamed");
    assertThat(ids(checked("listGroupMembers", api.get(members, token)), "members")).containsExactly(m.getString("id"));

    // twice: 409; another organization's user or an unknown user: 400; unknown group: 404
    Res dup = addMember(group, u.getString("id"));
    assertThat(dup.status()).as(dup.body()).isEqualTo(409);
    String foreign = createUser(newOrg(), "foreign@example.com").getString("id");
    Res stranger = addMember(group, foreign);
    assertThat(stranger.status()).as(stranger.body()).isEqualTo(400);
    assertThat(stranger.body()).contains("userId");
    assertThat(addMember(group, "no-such-user").status()).isEqualTo(400);
    assertThat(addMember("no-such-group", u.getString("id")).status()).isEqualTo(404);
    for (JsonObject bad : List.of(new JsonObject(), new JsonObject().put("userId", "Not A Slug"),
        new JsonObject().put("userId", u.getString("id")).put("groupId", group))) {
      assertThat(checked("addGroupMember", api.post(members, token, bad)).status()).as(bad.encode()).isEqualTo(400);
    }
    assertThat(checked("listGroupMembers", api.get(members + "?pageSize=501", token)).status()).isEqualTo(400);

    // a membership is found under its own group only
    String otherGroup = createGroup(org).getString("id");
    assertThat(checked("getGroupMember", api.get(GROUPS + "/" + otherGroup + "/members/" + m.getString("id"), token))
        .status()).isEqualTo(404);
    assertThat(checked("removeGroupMember", api.delete(GROUPS + "/" + otherGroup + "/members/" + m.getString("id"),
        token)).status()).isEqualTo(404);

    assertThat(checked("removeGroupMember", api.delete(members + "/" + m.getString("id"), token)).status())
        .isEqualTo(204);
    assertThat(checked("getGroupMember", api.get(members + "/" + m.getString("id"), token)).status()).isEqualTo(404);
    assertThat(checked("listGroupMembers", api.get(members, token)).json().getJsonArray("members")).isEmpty();
    assertThat(checked("getGroup", api.get(GROUPS + "/" + group, token)).json().getInteger("memberCount")).isZero();
  }

  @Test
  void deletingAUserRemovesItsMemberships() {
    String org = newOrg();
    String g1 = createGroup(org).getString("id");
    String g2 = createGroup(org).getString("id");
    JsonObject gone = createUser(org, "gone@example.com");
    JsonObject stays = createUser(org, "stays@example.com");
    for (String g : List.of(g1, g2)) {
      assertThat(addMember(g, gone.getString("id")).status()).isEqualTo(201);
    }
    assertThat(addMember(g1, stays.getString("id")).status()).isEqualTo(201);

    assertThat(checked("deleteUser", api.delete(USERS + "/" + gone.getString("id"), token)).status()).isEqualTo(204);
    Res list = checked("listGroupMembers", api.get(GROUPS + "/" + g1 + "/members", token));
    assertThat(list.json().getJsonArray("members").stream().map(o -> ((JsonObject) o).getString("userId")))
        .containsExactly(stays.getString("id"));
    assertThat(checked("getGroup", api.get(GROUPS + "/" + g1, token)).json().getInteger("memberCount")).isEqualTo(1);
    assertThat(checked("getGroup", api.get(GROUPS + "/" + g2, token)).json().getInteger("memberCount")).isZero();
    // the same email may be used again
    createUser(org, "gone@example.com");
  }

  /** Whether the bootstrap admin's /auth/check says {@code user} may get clusters in {@code org}. */
  boolean userMayReadClusters(String user, String org) {
    Res r = api.post("/v1/regions/global/auth/check", token, new JsonObject().put("subject", user)
        .put("checks", new io.vertx.core.json.JsonArray().add(new JsonObject()
            .put("action", "compute.clusters.get").put("resource", "organizations/" + org))));
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    return r.json().getJsonArray("results").getJsonObject(0).getBoolean("allowed");
  }

  String bindGroup(String org, String group) {
    Res r = api.post("/v1/regions/global/iam/policies", token, new JsonObject().put("orgId", org)
        .put("role", "compute-viewer").put("principal", new JsonObject().put("type", "group").put("id", group))
        .put("scope", new JsonObject().put("type", "org").put("resource", org)));
    assertThat(r.status()).as(r.body()).isEqualTo(201);
    return r.json().getString("id");
  }

  @Test
  void membershipsGrantAtOnceAndADeletedGroupNeverGrantsAgainUnderItsName() {
    String org = newOrg();
    String user = createUser(org, unique("m") + "@example.com").getString("id");
    String group = unique("group");
    assertThat(api.post(GROUPS, token, new JsonObject().put("id", group).put("organizationId", org)
        .put("displayName", "G")).status()).isEqualTo(201);
    String policy = bindGroup(org, group);
    assertThat(userMayReadClusters(user, org)).isFalse();
    assertThat(addMember(group, user).status()).isEqualTo(201);
    assertThat(userMayReadClusters(user, org)).as("a membership grants at once").isTrue();
    assertThat(api.delete("/v1/regions/global/iam/policies/" + policy, token).status()).isEqualTo(204);
    assertThat(userMayReadClusters(user, org)).isFalse();
    assertThat(api.delete(GROUPS + "/" + group, token).status()).isEqualTo(204);
    // a new group under the old name, bound again: the old member is not in it
    assertThat(api.post(GROUPS, token, new JsonObject().put("id", group).put("organizationId", org)
        .put("displayName", "G again")).status()).isEqualTo(201);
    bindGroup(org, group);
    assertThat(userMayReadClusters(user, org)).as("memberships died with the group").isFalse();
  }

  @Test
  void addingAMemberGrantsTheGroupsRolesSoTheCallerMustHoldThem() {
    String org = newOrg();
    String user = createUser(org, unique("m") + "@example.com").getString("id");
    String strong = createGroup(org).getString("id");
    String weak = createGroup(org).getString("id");
    Res bound = api.post("/v1/regions/global/iam/policies", token, new JsonObject().put("orgId", org)
        .put("role", "org-admin").put("principal", new JsonObject().put("type", "group").put("id", strong))
        .put("scope", new JsonObject().put("type", "org").put("resource", org)));
    assertThat(bound.status()).as(bound.body()).isEqualTo(201);
    assertThat(api.post("/v1/regions/global/iam/policies", token, new JsonObject().put("orgId", org)
        .put("role", "iam-admin").put("principal", new JsonObject().put("type", "group").put("id", weak))
        .put("scope", new JsonObject().put("type", "org").put("resource", org))).status()).isEqualTo(201);
    String iamAdmin = caller(org, "iam-admin").token();
    Res refused = api.post(GROUPS + "/" + strong + "/members", iamAdmin, new JsonObject().put("userId", user));
    assertThat(refused.status()).as(refused.body()).isEqualTo(403);
    assertThat(refused.body()).contains("org-admin");
    assertThat(api.get(GROUPS + "/" + strong + "/members", token).json().getJsonArray("members")).isEmpty();
    assertThat(api.post(GROUPS + "/" + weak + "/members", iamAdmin, new JsonObject().put("userId", user)).status())
        .isEqualTo(201);
    assertThat(addMember(strong, user).status()).as("the platform administrator holds org-admin").isEqualTo(201);

    // leaving a group escapes its deny bindings: the caller must hold what the group is denied
    String fenced = createGroup(org).getString("id");
    assertThat(api.post("/v1/regions/global/iam/policies", token, new JsonObject().put("orgId", org)
        .put("role", "compute-viewer").put("effect", "deny")
        .put("principal", new JsonObject().put("type", "group").put("id", fenced))
        .put("scope", new JsonObject().put("type", "org").put("resource", org))).status()).isEqualTo(201);
    String member = addMember(fenced, user).json().getString("id");
    Res escape = api.delete(GROUPS + "/" + fenced + "/members/" + member, iamAdmin);
    assertThat(escape.status()).as(escape.body()).isEqualTo(403);
    assertThat(api.delete(GROUPS + "/" + fenced + "/members/" + member, token).status()).isEqualTo(204);
  }

  static JsonObject newUser(String org, String email) {
    return new JsonObject().put("organizationId", org).put("email", email).put("displayName", "N");
  }

  @Test
  void callersWithoutRolesSeeNothingAndCannotTellOthersOrganizationsExist() {
    String org = newOrg();
    JsonObject u = createUser(org, "secret@example.com");
    String group = createGroup(org).getString("id");
    String member = addMember(group, u.getString("id")).json().getString("id");
    String other = newOrg();
    String t = caller(org).token();

    // lists show what the caller may read: nothing
    assertThat(ids(checked("listUsers", api.get(USERS, t)), "users")).isEmpty();
    assertThat(ids(checked("listUsers", api.get(USERS + "?organizationId=" + org, t)), "users")).isEmpty();
    assertThat(ids(checked("listGroups", api.get(GROUPS, t)), "groups")).isEmpty();
    // creating in its own organization: 403; in one it may not know of: the 400 of a missing one
    assertThat(node.atlas.post(USERS, t, newUser(org, "n@example.com")).status()).isEqualTo(403);
    Res foreign = node.atlas.post(USERS, t, newUser(other, "n@example.com"));
    Res missing = node.atlas.post(USERS, t, newUser("no-such-org", "n@example.com"));
    assertThat(foreign.status()).isEqualTo(400);
    assertThat(foreign.body()).isEqualTo(missing.body().replace("no-such-org", other));
    assertThat(checked("createGroup", api.post(GROUPS, t, new JsonObject().put("organizationId", org)
        .put("displayName", "x"))).status()).isEqualTo(403);
    assertThat(checked("createGroup", api.post(GROUPS, t, new JsonObject().put("organizationId", other)
        .put("displayName", "x"))).status()).isEqualTo(400);

    String uid = u.getString("id");
    assertThat(checked("getUser", api.get(USERS + "/" + uid, t)).status()).isEqualTo(404);
    assertThat(checked("updateUser", api.patch(USERS + "/" + uid, t, new JsonObject().put("status", "disabled")))
        .status()).isEqualTo(404);
    assertThat(checked("deleteUser", api.delete(USERS + "/" + uid, t)).status()).isEqualTo(404);
    assertThat(checked("getGroup", api.get(GROUPS + "/" + group, t)).status()).isEqualTo(404);
    assertThat(checked("updateGroup", api.patch(GROUPS + "/" + group, t, new JsonObject().put("displayName", "x")))
        .status()).isEqualTo(404);
    assertThat(checked("deleteGroup", api.delete(GROUPS + "/" + group, t)).status()).isEqualTo(404);
    assertThat(checked("listGroupMembers", api.get(GROUPS + "/" + group + "/members", t)).status()).isEqualTo(404);
    assertThat(checked("addGroupMember", api.post(GROUPS + "/" + group + "/members", t,
        new JsonObject().put("userId", uid))).status()).isEqualTo(404);
    assertThat(checked("getGroupMember", api.get(GROUPS + "/" + group + "/members/" + member, t)).status())
        .isEqualTo(404);
    assertThat(checked("removeGroupMember", api.delete(GROUPS + "/" + group + "/members/" + member, t)).status())
        .isEqualTo(404);
    // nothing changed
    assertThat(api.get(USERS + "/" + uid, token).json().getString("status")).isEqualTo("active");
    assertThat(api.get(GROUPS + "/" + group, token).json().getInteger("memberCount")).isEqualTo(1);
    // without a token: 401
    assertThat(checked("listUsers", api.send("GET", USERS, null)).status()).isEqualTo(401);
  }

  @Test
  void viewersRead403OnChangesAnd404ElsewhereAdminsActInTheirOrganizationOnly() {
    String org = newOrg();
    JsonObject u = createUser(org, "mine@example.com");
    String group = createGroup(org).getString("id");
    String member = addMember(group, u.getString("id")).json().getString("id");
    String other = newOrg();
    JsonObject ou = createUser(other, "theirs@example.com");
    String og = createGroup(other).getString("id");
    String om = addMember(og, ou.getString("id")).json().getString("id");
    String uid = u.getString("id");
    String ouid = ou.getString("id");

    String viewer = caller(org, "org-viewer").token();
    // lists default to the caller's organization; another organization's show nothing
    assertThat(ids(checked("listUsers", api.get(USERS, viewer)), "users")).containsExactly(uid);
    assertThat(ids(checked("listUsers", api.get(USERS + "?organizationId=" + other, viewer)), "users")).isEmpty();
    assertThat(ids(checked("listGroups", api.get(GROUPS, viewer)), "groups")).containsExactly(group);
    assertThat(ids(checked("listGroups", api.get(GROUPS + "?organizationId=" + other, viewer)), "groups")).isEmpty();
    // its organization: readable, 403 on changes
    assertThat(checked("getUser", api.get(USERS + "/" + uid, viewer)).status()).isEqualTo(200);
    assertThat(checked("updateUser", api.patch(USERS + "/" + uid, viewer, new JsonObject().put("status", "disabled")))
        .status()).isEqualTo(403);
    assertThat(checked("deleteUser", api.delete(USERS + "/" + uid, viewer)).status()).isEqualTo(403);
    assertThat(checked("getGroup", api.get(GROUPS + "/" + group, viewer)).status()).isEqualTo(200);
    assertThat(checked("updateGroup", api.patch(GROUPS + "/" + group, viewer, new JsonObject().put("displayName", "x")))
        .status()).isEqualTo(403);
    assertThat(checked("deleteGroup", api.delete(GROUPS + "/" + group, viewer)).status()).isEqualTo(403);
    assertThat(ids(checked("listGroupMembers", api.get(GROUPS + "/" + group + "/members", viewer)), "members"))
        .containsExactly(member);
    assertThat(checked("getGroupMember", api.get(GROUPS + "/" + group + "/members/" + member, viewer)).status())
        .isEqualTo(200);
    assertThat(checked("addGroupMember", api.post(GROUPS + "/" + group + "/members", viewer,
        new JsonObject().put("userId", uid))).status()).isEqualTo(403);
    assertThat(checked("removeGroupMember", api.delete(GROUPS + "/" + group + "/members/" + member, viewer))
        .status()).isEqualTo(403);
    // another organization's: as if missing
    assertThat(checked("getUser", api.get(USERS + "/" + ouid, viewer)).status()).isEqualTo(404);
    assertThat(checked("deleteUser", api.delete(USERS + "/" + ouid, viewer)).status()).isEqualTo(404);
    assertThat(checked("getGroup", api.get(GROUPS + "/" + og, viewer)).status()).isEqualTo(404);
    assertThat(checked("deleteGroup", api.delete(GROUPS + "/" + og, viewer)).status()).isEqualTo(404);
    assertThat(checked("listGroupMembers", api.get(GROUPS + "/" + og + "/members", viewer)).status()).isEqualTo(404);
    assertThat(checked("getGroupMember", api.get(GROUPS + "/" + og + "/members/" + om, viewer)).status())
        .isEqualTo(404);

    String admin = caller(org, "iam-admin").token();
    Res made = node.atlas.post(USERS, admin, newUser(org, "new@example.com"));
    assertThat(made.status()).as(made.body()).isEqualTo(201);
    assertThat(node.atlas.post(USERS, admin, newUser(other, "new@example.com")).status()).isEqualTo(400);
    assertThat(checked("updateGroup", api.patch(GROUPS + "/" + group, admin, new JsonObject().put("displayName", "y")))
        .status()).isEqualTo(200);
    assertThat(checked("addGroupMember", api.post(GROUPS + "/" + group + "/members", admin,
        new JsonObject().put("userId", made.json().getString("id")))).status()).isEqualTo(201);
    assertThat(checked("removeGroupMember", api.delete(GROUPS + "/" + og + "/members/" + om, admin)).status())
        .isEqualTo(404);
    assertThat(checked("updateUser", api.patch(USERS + "/" + ouid, admin, new JsonObject().put("status", "disabled")))
        .status()).isEqualTo(404);
    assertThat(checked("deleteGroup", api.delete(GROUPS + "/" + og, admin)).status()).isEqualTo(404);
    // the other organization is untouched
    assertThat(api.get(USERS + "/" + ouid, token).json().getString("status")).isEqualTo("active");
    assertThat(api.get(GROUPS + "/" + og, token).json().getInteger("memberCount")).isEqualTo(1);
  }
}
