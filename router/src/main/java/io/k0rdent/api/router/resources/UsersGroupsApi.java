package io.k0rdent.api.router.resources;

import io.k0rdent.api.core.auth.AuthState;
import io.k0rdent.api.core.auth.policy.Permissions;
import io.k0rdent.api.core.auth.policy.ScopeChain;
import io.k0rdent.api.core.error.ApiException;
import io.k0rdent.api.core.resource.Clock;
import io.k0rdent.api.core.resource.Group;
import io.k0rdent.api.core.resource.Policy;
import io.k0rdent.api.core.resource.GroupMember;
import io.k0rdent.api.core.resource.Slugs;
import io.k0rdent.api.core.resource.User;
import io.k0rdent.api.core.store.ListQuery;
import io.k0rdent.api.core.store.PageCursor;
import io.k0rdent.api.core.store.Store;
import io.k0rdent.api.router.ApiServices;
import io.k0rdent.api.router.Call;
import io.k0rdent.api.router.OperationHandler;
import io.k0rdent.api.router.PageTokens;
import io.k0rdent.api.router.Reply;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/**
 * Handlers of the user operations (upstream {@code listUsers}, {@code getUser}, {@code updateUser},
 * {@code deleteUser}, and our Atlas-only {@code createUser}), the group operations ({@code createGroup}..
 * {@code deleteGroup}) and the group-member operations ({@code listGroupMembers}, {@code addGroupMember},
 * {@code getGroupMember}, {@code removeGroupMember}). The store enforces the referential rules (a user's
 * email unique in its organization, members only of their own organization's groups, nothing a policy binds
 * deleted); these handlers only shape requests and answers. Groups carry a counted {@code memberCount};
 * members carry their user's {@code displayName} and {@code email}, read when shown.
 *
 * <p>Authorization: users and groups belong to an organization and are decided at its chain
 * ({@code iam.users.*}, {@code iam.groups.*}); a user or group the caller may not read is a 404, as a
 * missing one. {@code createUser} needs {@code iam.users.create} in the target organization. Group members
 * are decided as their group: {@code iam.groups.get} to read them, {@code iam.groups.update} to add or
 * remove one. Lists default to the caller's organization (every organization for a caller who may list at
 * platform scope) and show only what the caller may read when it may not list the whole organization.
 */
public final class UsersGroupsApi {

  public static final String USERS = "/v1/regions/global/iam/users";
  public static final String GROUPS = "/v1/regions/global/iam/groups";
  /** The path segment of the caller's own profile, which no user id may take. */
  static final String PROFILE = "profile";
  /** Longest {@code email} filter accepted (RFC 5321 §4.5.3.1.3 path limit). */
  static final int MAX_EMAIL = 254;

  private final Store store;
  private final AuthState state;
  private final io.k0rdent.api.core.auth.Grants grants;
  private final PageTokens pageTokens;
  private final ResourceOperations<User> users;
  private final ResourceOperations<Group> groups;

  public UsersGroupsApi(ApiServices services) {
    this.store = services.store();
    this.state = services.iam().state();
    this.grants = services.grants();
    this.pageTokens = services.pageTokens();
    this.users = new ResourceOperations<>("user", USERS, "users", store.users(), pageTokens,
        UsersGroupsApi::userFields);
    this.groups = new ResourceOperations<>("group", GROUPS, "groups", store.groups(), pageTokens,
        UsersGroupsApi::groupFields);
  }

  /** The user's fields as the API shows them. */
  static JsonObject userFields(User u) {
    return new JsonObject().put("organizationId", u.organizationId()).put("email", u.email())
        .put("displayName", u.displayName()).put("status", u.status());
  }

  /** The group's fields as the API shows them. */
  static JsonObject groupFields(Group g) {
    return ResourceOperations.names(new JsonObject().put("organizationId", g.organizationId()), g.displayName(),
        g.description());
  }

  /** operationId → handler. */
  public Map<String, OperationHandler> handlers() {
    Map<String, OperationHandler> h = new HashMap<>();
    h.put("createUser", this::createUser);
    h.put("listUsers", this::listUsers);
    h.put("getUser", call -> users.get(call, u -> guard(call, Permissions.USERS_GET, u)));
    h.put("updateUser", this::updateUser);
    h.put("getUserProfile", call -> users.get(call, profileUser(call)));
    h.put("updateUserProfile", this::updateProfile);
    h.put("deleteUser", call -> users.guarded(call, u -> guard(call, Permissions.USERS_DELETE, u))
        .compose(u -> users.delete(call)).compose(r -> changed(AuthState.Kind.USER, call.pathId("user"))
        .compose(v -> changed(AuthState.Kind.MEMBERSHIPS, call.pathId("user")))
        // its API keys go with it, as a service account's do
        .compose(v -> ApiKeysApi.deleteKeysOf(store, state, call.pathId("user"))).map(r)));
    h.put("createGroup", this::createGroup);
    h.put("listGroups", this::listGroups);
    h.put("getGroup", call -> withCounts(groups.get(call, g -> guard(call, Permissions.GROUPS_GET, g))));
    h.put("updateGroup", this::updateGroup);
    h.put("deleteGroup", this::deleteGroup);
    h.put("listGroupMembers", this::listMembers);
    h.put("addGroupMember", this::addMember);
    h.put("getGroupMember", call -> group(call, Permissions.GROUPS_GET).compose(g -> memberOf(call))
        .compose(m -> withUsers(List.of(m))).map(l -> Reply.ok(l.get(0))));
    h.put("removeGroupMember", this::removeMember);
    return Map.copyOf(h);
  }

  private Future<Void> changed(AuthState.Kind kind, String id) {
    return state.changed(kind, id);
  }

  /**
   * deleteGroup: the store removes its memberships with it, so every member's cached group list and every
   * snapshot compiled from the group's bindings are announced as changed.
   */
  private Future<Reply> deleteGroup(Call call) {
    return groups.guarded(call, g -> guard(call, Permissions.GROUPS_DELETE, g))
        .compose(g -> memberUserIds(g.id(), null, new ArrayList<>()))
        .compose(members -> groups.delete(call).compose(r -> {
          List<Future<Void>> announced = new ArrayList<>();
          announced.add(changed(AuthState.Kind.BINDINGS,
              AuthState.principalKey(io.k0rdent.api.core.resource.PrincipalRef.group(call.pathId("group")))));
          members.forEach(u -> announced.add(changed(AuthState.Kind.MEMBERSHIPS, u)));
          return Future.all(announced).map(r);
        }));
  }

  private Future<List<String>> memberUserIds(String groupId, PageCursor after, List<String> into) {
    return store.groupMembers().list(new ListQuery(Map.of("groupId", groupId), after, 500)).compose(page -> {
      page.items().forEach(m -> into.add(m.userId()));
      return page.next() == null ? Future.succeededFuture(into) : memberUserIds(groupId, page.next(), into);
    });
  }

  private static void guard(Call call, String permission, User u) {
    call.requireVisible(permission, ScopeChain.organization(u.organizationId()), "user", u.id());
  }

  private static void guard(Call call, String permission, Group g) {
    call.requireVisible(permission, ScopeChain.organization(g.organizationId()), "group", g.id());
  }

  // --- users ---

  /** The id of the user the caller's token acts for (self-service needs no grant); 404 for anyone else. */
  private String profileUser(Call call) {
    call.open();
    io.k0rdent.api.core.resource.PrincipalRef who = grants.principalOf(call.principal().subject());
    if (who == null || !io.k0rdent.api.core.resource.PrincipalRef.USER.equals(who.type())) {
      throw ApiException.notFound("user profile", "profile");
    }
    return who.id();
  }

  private Future<Reply> updateProfile(Call call) {
    String id = profileUser(call);
    if (call.principal().roles() != null || call.principal().narrowed()) {
      // a capped or narrowed token (a read-only key, say) changes nothing of its user's identity
      throw ApiException.permissionDenied("a token with a role ceiling or scope_narrowing cannot change the profile");
    }
    return users.update(call, id, cur -> {
      String displayName = call.text("displayName") == null ? cur.displayName() : call.text("displayName");
      return displayName.equals(cur.displayName()) ? cur : cur.withChanges(displayName, cur.status(), Clock.now());
    }).compose(r -> changed(AuthState.Kind.USER, id).map(r));
  }

  private Future<Reply> createUser(Call call) {
    Scopes.requireInOrganization(call, Permissions.USERS_CREATE, call.text("organizationId"), "organizationId");
    String id = call.text("id") == null ? Slugs.generate("user") : call.text("id");
    if (PROFILE.equals(id)) {
      throw ApiException.invalidField("id", "'" + PROFILE + "' is reserved: /iam/users/profile is the caller's own profile");
    }
    Instant now = Clock.now();
    return users.create(new User(id, UUID.randomUUID(), call.text("organizationId"), call.text("email"),
        call.text("displayName"), User.ACTIVE, now, now, 1))
        .compose(r -> changed(AuthState.Kind.USER, id).map(r)); // a cached "no such user" ends now
  }

  private Future<Reply> listUsers(Call call) {
    Map<String, String> filters = new HashMap<>();
    String org = Scopes.listedOrganization(call, Permissions.USERS_LIST, IamFields.slug(call, "organizationId"));
    filters.put("organizationId", org);
    filters.put("email", email(call));
    filters.put("status", IamFields.oneOf(call, "status", User.ACTIVE, User.SUSPENDED, User.DISABLED));
    if (Scopes.hidden(call, Permissions.USERS_LIST, org)) {
      return users.emptyList(call, filters);
    }
    if (Scopes.listsWhole(call, Permissions.USERS_LIST, org)) {
      return users.list(call, filters);
    }
    return users.list(call, filters,
        u -> call.grants().allowed(Permissions.USERS_GET, ScopeChain.organization(u.organizationId())));
  }

  /** The {@code email} filter: 1–254 characters with an {@code @}, no spaces or control characters. */
  private static String email(Call call) {
    String v = call.query("email");
    if (v == null) {
      return null;
    }
    boolean ok = !v.isEmpty() && v.length() <= MAX_EMAIL && v.indexOf('@') > 0 && v.indexOf('@') < v.length() - 1
        && v.codePoints().noneMatch(c -> c <= ' ' || c == 0x7f || Character.isISOControl(c));
    if (!ok) {
      throw ApiException.invalidField("email", "email must be an email address (at most " + MAX_EMAIL
          + " characters)");
    }
    return v;
  }

  private Future<Reply> updateUser(Call call) {
    return users.guarded(call, u -> guard(call, Permissions.USERS_UPDATE, u))
        .compose(u -> (User.ACTIVE.equals(call.text("status")) && !u.active() ? holdsAll(call, u)
            : Future.<Void>succeededFuture()).map(v -> !u.active()))
        .compose(enableChecked -> users.update(call, cur -> {
      if (User.ACTIVE.equals(call.text("status")) && !cur.active() && !enableChecked) {
        throw ApiException.conflict("ABORTED", "user '" + cur.id() + "' was suspended or disabled meanwhile; retry");
      }
      String displayName = call.text("displayName") == null ? cur.displayName() : call.text("displayName");
      String status = call.text("status") == null ? cur.status() : call.text("status");
      if (displayName.equals(cur.displayName()) && status.equals(cur.status())) {
        return cur;
      }
      return cur.withChanges(displayName, status, Clock.now());
    })).compose(r -> changed(AuthState.Kind.USER, call.pathId("user")).map(r));
  }

  /**
   * "Only grant what you hold" for bringing a user back (re-enabling it): the caller must hold every role
   * bound to the user or to a group it is in, where it is bound.
   */
  private Future<Void> holdsAll(Call call, User u) {
    return store.groupMembers().groupsOf(u.id()).compose(groupIds -> {
      List<io.k0rdent.api.core.resource.PrincipalRef> who = new ArrayList<>();
      who.add(io.k0rdent.api.core.resource.PrincipalRef.user(u.id()));
      groupIds.forEach(g -> who.add(io.k0rdent.api.core.resource.PrincipalRef.group(g)));
      return store.policies().forPrincipals(who);
    }).compose(bindings -> Scopes.requireHoldsBindings(call, grants, bindings, Policy.ALLOW, "status"));
  }

  // --- groups ---

  private Future<Reply> createGroup(Call call) {
    Scopes.requireInOrganization(call, Permissions.GROUPS_CREATE, call.text("organizationId"), "organizationId");
    String id = call.text("id") == null ? Slugs.generate("group") : call.text("id");
    Instant now = Clock.now();
    return withCounts(groups.create(new Group(id, UUID.randomUUID(), call.text("organizationId"),
        call.text("displayName"), call.text("description"), now, now, 1)));
  }

  private Future<Reply> listGroups(Call call) {
    Map<String, String> filters = new HashMap<>();
    String org = Scopes.listedOrganization(call, Permissions.GROUPS_LIST, IamFields.slug(call, "organizationId"));
    filters.put("organizationId", org);
    if (Scopes.hidden(call, Permissions.GROUPS_LIST, org)) {
      return groups.emptyList(call, filters);
    }
    if (Scopes.listsWhole(call, Permissions.GROUPS_LIST, org)) {
      return withCounts(groups.list(call, filters));
    }
    return withCounts(groups.list(call, filters,
        g -> call.grants().allowed(Permissions.GROUPS_GET, ScopeChain.organization(g.organizationId()))));
  }

  private Future<Reply> updateGroup(Call call) {
    return withCounts(groups.guarded(call, g -> guard(call, Permissions.GROUPS_UPDATE, g)).compose(g -> groups.update(call, cur -> {
      String displayName = call.text("displayName") == null ? cur.displayName() : call.text("displayName");
      String description = ResourceOperations.merge(call.body(), "description", cur.description());
      if (Objects.equals(displayName, cur.displayName()) && Objects.equals(description, cur.description())) {
        return cur;
      }
      return cur.withChanges(displayName, description, Clock.now());
    })));
  }

  /** Adds {@code memberCount} to the group (or every group of a list page) in {@code reply}. */
  private Future<Reply> withCounts(Future<Reply> reply) {
    return reply.compose(r -> {
      if (r.body() == null) {
        return Future.succeededFuture(r);
      }
      JsonArray items = r.body().getJsonArray("groups");
      List<JsonObject> found = new ArrayList<>();
      if (items == null) {
        found.add(r.body());
      } else {
        items.forEach(o -> found.add((JsonObject) o));
      }
      if (found.isEmpty()) {
        return Future.succeededFuture(r);
      }
      return store.groupMembers().memberCounts(found.stream().map(g -> g.getString("id")).toList()).map(counts -> {
        found.forEach(g -> g.put("memberCount", counts.getOrDefault(g.getString("id"), 0)));
        return r;
      });
    });
  }

  // --- members ---

  private static String groupId(Call call) {
    String id = call.ctx().pathParam("groupId");
    if (!Slugs.isValid(id)) {
      throw ApiException.notFound("group", id == null ? "" : id);
    }
    return id;
  }

  static String membersPath(String groupId) {
    return GROUPS + "/" + groupId + "/members";
  }

  /** A membership as the API shows it; {@code u} (nullable) adds the user's name and email. */
  static JsonObject memberJson(GroupMember m, User u) {
    JsonObject o = new JsonObject().put("selfLink", membersPath(m.groupId()) + "/" + m.id())
        .put("uid", m.uid().toString()).put("id", m.id()).put("groupId", m.groupId()).put("userId", m.userId());
    if (u != null) {
      o.put("displayName", u.displayName()).put("email", u.email());
    }
    o.put("addedBy", m.addedBy());
    return IamFields.putTime(o, "addedAt", m.addedAt());
  }

  /** The members as shown: each with its user's {@code displayName} and {@code email}. */
  private Future<List<JsonObject>> withUsers(List<GroupMember> members) {
    List<String> ids = new ArrayList<>(new LinkedHashSet<>(members.stream().map(GroupMember::userId).toList()));
    List<Future<User>> reads = new ArrayList<>();
    ids.forEach(id -> reads.add(store.users().get(id).recover(e -> e instanceof ApiException a && a.status() == 404
        ? Future.succeededFuture(null) : Future.failedFuture(e))));
    return Future.all(reads).map(all -> {
      Map<String, User> byId = new HashMap<>();
      for (int i = 0; i < ids.size(); i++) {
        User u = all.resultAt(i);
        if (u != null) {
          byId.put(ids.get(i), u);
        }
      }
      return members.stream().map(m -> memberJson(m, byId.get(m.userId()))).toList();
    });
  }

  /** The group of a members path, after the caller passed {@code permission} on it (else 404/403). */
  private Future<Group> group(Call call, String permission) {
    return store.groups().get(groupId(call)).map(g -> {
      guard(call, permission, g);
      return g;
    });
  }

  private Future<GroupMember> memberOf(Call call) {
    String group = groupId(call);
    String id = call.pathId("member");
    return store.groupMembers().get(id).map(m -> {
      if (!m.groupId().equals(group)) {
        throw ApiException.notFound("member", id);
      }
      return m;
    });
  }

  private Future<Reply> listMembers(Call call) {
    String group = groupId(call);
    return group(call, Permissions.GROUPS_GET).compose(g -> {
      String scope = "members?" + group;
      int size = ResourceOperations.pageSize(call.query("pageSize"));
      String token = call.query("pageToken");
      PageCursor after = token == null || token.isEmpty() ? null : pageTokens.decode(token, scope);
      return store.groupMembers().list(new ListQuery(Map.of("groupId", group), after, size))
          .compose(page -> withUsers(page.items()).map(items -> {
            JsonObject body = new JsonObject().put("members", new JsonArray(new ArrayList<>(items)));
            if (page.next() != null) {
              body.put("nextPageToken", pageTokens.encode(page.next(), scope));
            }
            return Reply.ok(body);
          }));
    });
  }

  private Future<Reply> addMember(Call call) {
    String group = groupId(call);
    Instant now = Clock.now();
    GroupMember m = new GroupMember(Slugs.generate("member"), UUID.randomUUID(), group, call.text("userId"),
        call.principal().subject(), now, now, 1);
    return group(call, Permissions.GROUPS_UPDATE).compose(g -> holdsGroupRoles(call, g, Policy.ALLOW))
        .compose(v -> store.groupMembers().create(m))
        .compose(stored -> changed(AuthState.Kind.MEMBERSHIPS, stored.userId()).map(stored))
        .compose(stored -> withUsers(List.of(stored)))
        .map(items -> new Reply(201, items.get(0), Map.of("Location", membersPath(group) + "/" + m.id())));
  }

  /**
   * "Only grant what you hold": a new member receives every role the group is bound to (allow), a leaving
   * member escapes every role it is denied; the caller must hold each of them where it is bound.
   */
  private Future<Void> holdsGroupRoles(Call call, Group g, String effect) {
    return store.policies().forPrincipals(List.of(io.k0rdent.api.core.resource.PrincipalRef.group(g.id())))
        .compose(bindings -> Scopes.requireHoldsBindings(call, grants, bindings, effect, "userId"));
  }

  private Future<Reply> removeMember(Call call) {
    return group(call, Permissions.GROUPS_UPDATE).compose(g -> holdsGroupRoles(call, g, Policy.DENY))
        .compose(v -> memberOf(call)).compose(m -> store.groupMembers().delete(m.id(), null)
        .compose(v -> changed(AuthState.Kind.MEMBERSHIPS, m.userId()))).map(v -> Reply.noContent());
  }
}
