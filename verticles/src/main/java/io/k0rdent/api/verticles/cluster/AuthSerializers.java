package io.k0rdent.api.verticles.cluster;

import com.hazelcast.nio.serialization.compact.CompactReader;
import com.hazelcast.nio.serialization.compact.CompactSerializer;
import com.hazelcast.nio.serialization.compact.CompactWriter;
import io.k0rdent.api.core.auth.policy.Binding;
import io.k0rdent.api.core.auth.policy.Effect;
import io.k0rdent.api.core.auth.policy.RoleDefinition;
import io.k0rdent.api.core.auth.policy.ScopeType;
import io.k0rdent.api.core.resource.ApiKey;
import io.k0rdent.api.core.resource.Organization;
import io.k0rdent.api.core.resource.Project;
import io.k0rdent.api.core.resource.User;
import io.k0rdent.api.core.resource.ServiceAccount;
import io.k0rdent.api.core.resource.ServiceAccountCredential;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Hazelcast Compact serializers for what {@link HazelcastAuthState} puts into the cluster: the auth
 * records and grants' inputs it caches, its cache marks, its topic events and its populate entry processor. Explicit serializers, so no
 * Java serialization and no reflection; registered by {@link HazelcastSetup#configureAuth}.
 *
 * <p>Encoding: instants as nullable {@code TIMESTAMP_WITH_TIMEZONE} at UTC (lossless, nanoseconds kept),
 * UUIDs as strings, roles as string arrays, a list of bindings as four parallel string arrays (role, scope
 * type's wire name, scope id — null at platform scope —, effect's wire name). The type names are part of the wire format between members of
 * one cluster: rename a field or a type only together with a rolling-upgrade plan (Compact tolerates added
 * fields when the reader checks {@code getFieldKind}).
 */
final class AuthSerializers {

  private AuthSerializers() {}

  /** Every serializer this package needs registered. */
  static List<CompactSerializer<?>> all() {
    return List.of(new ServiceAccounts(), new Credentials(), new ApiKeys(), new Users(), new Organizations(),
        new Projects(), new RoleDefinitions(), new BindingLists(), new GroupLists(), new Marks(), new Events(),
        new Populates());
  }

  private static OffsetDateTime ts(Instant i) {
    return i == null ? null : OffsetDateTime.ofInstant(i, ZoneOffset.UTC);
  }

  private static Instant instant(OffsetDateTime t) {
    return t == null ? null : t.toInstant();
  }

  private static String uuid(UUID u) {
    return u == null ? null : u.toString();
  }

  private static UUID uuid(String s) {
    return s == null ? null : UUID.fromString(s);
  }

  private static String[] roles(List<String> roles) {
    return roles.toArray(String[]::new);
  }

  private static List<String> roles(String[] roles) {
    return roles == null ? List.of() : List.of(roles);
  }

  static final class ServiceAccounts implements CompactSerializer<ServiceAccount> {
    @Override
    public ServiceAccount read(CompactReader r) {
      return new ServiceAccount(r.readString("id"), uuid(r.readString("uid")), r.readString("organizationId"),
          r.readString("clientId"), r.readString("scope"), r.readString("scopeId"), roles(r.readArrayOfString("roles")),
          r.readString("status"), r.readString("displayName"), r.readString("description"), r.readString("createdBy"),
          instant(r.readTimestampWithTimezone("createdAt")), instant(r.readTimestampWithTimezone("updatedAt")),
          r.readInt64("version"));
    }

    @Override
    public void write(CompactWriter w, ServiceAccount a) {
      w.writeString("id", a.id());
      w.writeString("uid", uuid(a.uid()));
      w.writeString("organizationId", a.organizationId());
      w.writeString("clientId", a.clientId());
      w.writeString("scope", a.scope());
      w.writeString("scopeId", a.scopeId());
      w.writeArrayOfString("roles", roles(a.roles()));
      w.writeString("status", a.status());
      w.writeString("displayName", a.displayName());
      w.writeString("description", a.description());
      w.writeString("createdBy", a.createdBy());
      w.writeTimestampWithTimezone("createdAt", ts(a.createdAt()));
      w.writeTimestampWithTimezone("updatedAt", ts(a.updatedAt()));
      w.writeInt64("version", a.version());
    }

    @Override
    public String getTypeName() {
      return "k0rdent.auth.ServiceAccount";
    }

    @Override
    public Class<ServiceAccount> getCompactClass() {
      return ServiceAccount.class;
    }
  }

  static final class Credentials implements CompactSerializer<ServiceAccountCredential> {
    @Override
    public ServiceAccountCredential read(CompactReader r) {
      return new ServiceAccountCredential(r.readString("id"), uuid(r.readString("uid")),
          r.readString("serviceAccountId"), r.readString("secretHash"), instant(r.readTimestampWithTimezone("expiresAt")),
          r.readString("createdBy"), instant(r.readTimestampWithTimezone("lastUsedAt")), r.readString("lastUsedIp"),
          instant(r.readTimestampWithTimezone("createdAt")), instant(r.readTimestampWithTimezone("updatedAt")),
          r.readInt64("version"));
    }

    @Override
    public void write(CompactWriter w, ServiceAccountCredential c) {
      w.writeString("id", c.id());
      w.writeString("uid", uuid(c.uid()));
      w.writeString("serviceAccountId", c.serviceAccountId());
      w.writeString("secretHash", c.secretHash());
      w.writeTimestampWithTimezone("expiresAt", ts(c.expiresAt()));
      w.writeString("createdBy", c.createdBy());
      w.writeTimestampWithTimezone("lastUsedAt", ts(c.lastUsedAt()));
      w.writeString("lastUsedIp", c.lastUsedIp());
      w.writeTimestampWithTimezone("createdAt", ts(c.createdAt()));
      w.writeTimestampWithTimezone("updatedAt", ts(c.updatedAt()));
      w.writeInt64("version", c.version());
    }

    @Override
    public String getTypeName() {
      return "k0rdent.auth.ServiceAccountCredential";
    }

    @Override
    public Class<ServiceAccountCredential> getCompactClass() {
      return ServiceAccountCredential.class;
    }
  }

  static final class ApiKeys implements CompactSerializer<ApiKey> {
    @Override
    public ApiKey read(CompactReader r) {
      return new ApiKey(r.readString("id"), uuid(r.readString("uid")), r.readString("organizationId"),
          r.readString("scope"), r.readString("scopeId"), roles(r.readArrayOfString("roles")), r.readString("status"),
          instant(r.readTimestampWithTimezone("expiresAt")), r.readString("createdBy"), r.readString("creatorType"),
          r.readString("secretHash"), r.readString("previousSecretHash"),
          instant(r.readTimestampWithTimezone("previousSecretExpiresAt")),
          instant(r.readTimestampWithTimezone("lastRotatedAt")), instant(r.readTimestampWithTimezone("lastUsedAt")),
          r.readString("lastUsedIp"), r.readString("displayName"), r.readString("description"),
          instant(r.readTimestampWithTimezone("createdAt")), instant(r.readTimestampWithTimezone("updatedAt")),
          r.readInt64("version"));
    }

    @Override
    public void write(CompactWriter w, ApiKey k) {
      w.writeString("id", k.id());
      w.writeString("uid", uuid(k.uid()));
      w.writeString("organizationId", k.organizationId());
      w.writeString("scope", k.scope());
      w.writeString("scopeId", k.scopeId());
      w.writeArrayOfString("roles", roles(k.roles()));
      w.writeString("status", k.status());
      w.writeTimestampWithTimezone("expiresAt", ts(k.expiresAt()));
      w.writeString("createdBy", k.createdBy());
      w.writeString("creatorType", k.creatorType());
      w.writeString("secretHash", k.secretHash());
      w.writeString("previousSecretHash", k.previousSecretHash());
      w.writeTimestampWithTimezone("previousSecretExpiresAt", ts(k.previousSecretExpiresAt()));
      w.writeTimestampWithTimezone("lastRotatedAt", ts(k.lastRotatedAt()));
      w.writeTimestampWithTimezone("lastUsedAt", ts(k.lastUsedAt()));
      w.writeString("lastUsedIp", k.lastUsedIp());
      w.writeString("displayName", k.displayName());
      w.writeString("description", k.description());
      w.writeTimestampWithTimezone("createdAt", ts(k.createdAt()));
      w.writeTimestampWithTimezone("updatedAt", ts(k.updatedAt()));
      w.writeInt64("version", k.version());
    }

    @Override
    public String getTypeName() {
      return "k0rdent.auth.ApiKey";
    }

    @Override
    public Class<ApiKey> getCompactClass() {
      return ApiKey.class;
    }
  }

  static final class Users implements CompactSerializer<User> {
    @Override
    public User read(CompactReader r) {
      return new User(r.readString("id"), uuid(r.readString("uid")), r.readString("organizationId"),
          r.readString("email"), r.readString("displayName"), r.readString("status"),
          instant(r.readTimestampWithTimezone("createdAt")), instant(r.readTimestampWithTimezone("updatedAt")),
          r.readInt64("version"));
    }

    @Override
    public void write(CompactWriter w, User u) {
      w.writeString("id", u.id());
      w.writeString("uid", uuid(u.uid()));
      w.writeString("organizationId", u.organizationId());
      w.writeString("email", u.email());
      w.writeString("displayName", u.displayName());
      w.writeString("status", u.status());
      w.writeTimestampWithTimezone("createdAt", ts(u.createdAt()));
      w.writeTimestampWithTimezone("updatedAt", ts(u.updatedAt()));
      w.writeInt64("version", u.version());
    }

    @Override
    public String getTypeName() {
      return "k0rdent.auth.User";
    }

    @Override
    public Class<User> getCompactClass() {
      return User.class;
    }
  }

  static final class Organizations implements CompactSerializer<Organization> {
    @Override
    public Organization read(CompactReader r) {
      return new Organization(r.readString("id"), uuid(r.readString("uid")), r.readString("displayName"),
          r.readString("description"), instant(r.readTimestampWithTimezone("createdAt")),
          instant(r.readTimestampWithTimezone("updatedAt")), r.readInt64("version"));
    }

    @Override
    public void write(CompactWriter w, Organization o) {
      w.writeString("id", o.id());
      w.writeString("uid", uuid(o.uid()));
      w.writeString("displayName", o.displayName());
      w.writeString("description", o.description());
      w.writeTimestampWithTimezone("createdAt", ts(o.createdAt()));
      w.writeTimestampWithTimezone("updatedAt", ts(o.updatedAt()));
      w.writeInt64("version", o.version());
    }

    @Override
    public String getTypeName() {
      return "k0rdent.auth.Organization";
    }

    @Override
    public Class<Organization> getCompactClass() {
      return Organization.class;
    }
  }

  static final class Projects implements CompactSerializer<Project> {
    @Override
    public Project read(CompactReader r) {
      return new Project(r.readString("id"), uuid(r.readString("uid")), r.readString("organizationId"),
          r.readString("displayName"), r.readString("description"), instant(r.readTimestampWithTimezone("createdAt")),
          instant(r.readTimestampWithTimezone("updatedAt")), r.readInt64("version"));
    }

    @Override
    public void write(CompactWriter w, Project p) {
      w.writeString("id", p.id());
      w.writeString("uid", uuid(p.uid()));
      w.writeString("organizationId", p.organizationId());
      w.writeString("displayName", p.displayName());
      w.writeString("description", p.description());
      w.writeTimestampWithTimezone("createdAt", ts(p.createdAt()));
      w.writeTimestampWithTimezone("updatedAt", ts(p.updatedAt()));
      w.writeInt64("version", p.version());
    }

    @Override
    public String getTypeName() {
      return "k0rdent.auth.Project";
    }

    @Override
    public Class<Project> getCompactClass() {
      return Project.class;
    }
  }

  static final class RoleDefinitions implements CompactSerializer<RoleDefinition> {
    @Override
    public RoleDefinition read(CompactReader r) {
      return new RoleDefinition(r.readString("id"), r.readString("organizationId"),
          roles(r.readArrayOfString("permissions")));
    }

    @Override
    public void write(CompactWriter w, RoleDefinition d) {
      w.writeString("id", d.id());
      w.writeString("organizationId", d.organizationId());
      w.writeArrayOfString("permissions", roles(d.permissions()));
    }

    @Override
    public String getTypeName() {
      return "k0rdent.auth.RoleDefinition";
    }

    @Override
    public Class<RoleDefinition> getCompactClass() {
      return RoleDefinition.class;
    }
  }

  static final class BindingLists implements CompactSerializer<HazelcastAuthState.BindingList> {
    @Override
    public HazelcastAuthState.BindingList read(CompactReader r) {
      String[] roles = r.readArrayOfString("roles");
      String[] types = r.readArrayOfString("scopeTypes");
      String[] ids = r.readArrayOfString("scopeIds");
      String[] effects = r.readArrayOfString("effects");
      String[] orgs = r.readArrayOfString("organizationIds");
      int n = roles == null ? 0 : roles.length;
      List<Binding> out = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        out.add(new Binding(roles[i], ScopeType.fromWire(types[i]), ids[i], Effect.fromWire(effects[i]),
            orgs == null ? null : orgs[i]));
      }
      return new HazelcastAuthState.BindingList(out);
    }

    @Override
    public void write(CompactWriter w, HazelcastAuthState.BindingList list) {
      List<Binding> bs = list.bindings();
      String[] roles = new String[bs.size()];
      String[] types = new String[bs.size()];
      String[] ids = new String[bs.size()];
      String[] effects = new String[bs.size()];
      String[] orgs = new String[bs.size()];
      for (int i = 0; i < bs.size(); i++) {
        Binding b = bs.get(i);
        roles[i] = b.role();
        types[i] = b.type().wireName();
        ids[i] = b.scopeId();
        effects[i] = b.effect().wireName();
        orgs[i] = b.organizationId();
      }
      w.writeArrayOfString("roles", roles);
      w.writeArrayOfString("scopeTypes", types);
      w.writeArrayOfString("scopeIds", ids);
      w.writeArrayOfString("effects", effects);
      w.writeArrayOfString("organizationIds", orgs);
    }

    @Override
    public String getTypeName() {
      return "k0rdent.auth.BindingList";
    }

    @Override
    public Class<HazelcastAuthState.BindingList> getCompactClass() {
      return HazelcastAuthState.BindingList.class;
    }
  }

  static final class GroupLists implements CompactSerializer<HazelcastAuthState.GroupList> {
    @Override
    public HazelcastAuthState.GroupList read(CompactReader r) {
      return new HazelcastAuthState.GroupList(roles(r.readArrayOfString("groupIds")));
    }

    @Override
    public void write(CompactWriter w, HazelcastAuthState.GroupList g) {
      w.writeArrayOfString("groupIds", roles(g.groupIds()));
    }

    @Override
    public String getTypeName() {
      return "k0rdent.auth.GroupList";
    }

    @Override
    public Class<HazelcastAuthState.GroupList> getCompactClass() {
      return HazelcastAuthState.GroupList.class;
    }
  }

  static final class Marks implements CompactSerializer<HazelcastAuthState.Mark> {
    @Override
    public HazelcastAuthState.Mark read(CompactReader r) {
      return new HazelcastAuthState.Mark(r.readBoolean("changed"), r.readInt64("until"), r.readInt64("nonce"));
    }

    @Override
    public void write(CompactWriter w, HazelcastAuthState.Mark m) {
      w.writeBoolean("changed", m.changed());
      w.writeInt64("until", m.until());
      w.writeInt64("nonce", m.nonce());
    }

    @Override
    public String getTypeName() {
      return "k0rdent.auth.Mark";
    }

    @Override
    public Class<HazelcastAuthState.Mark> getCompactClass() {
      return HazelcastAuthState.Mark.class;
    }
  }

  static final class Events implements CompactSerializer<HazelcastAuthState.Event> {
    @Override
    public HazelcastAuthState.Event read(CompactReader r) {
      return new HazelcastAuthState.Event(r.readString("kind"), r.readString("id"), r.readInt64("expiresAt"));
    }

    @Override
    public void write(CompactWriter w, HazelcastAuthState.Event e) {
      w.writeString("kind", e.kind());
      w.writeString("id", e.id());
      w.writeInt64("expiresAt", e.expiresAt());
    }

    @Override
    public String getTypeName() {
      return "k0rdent.auth.Event";
    }

    @Override
    public Class<HazelcastAuthState.Event> getCompactClass() {
      return HazelcastAuthState.Event.class;
    }
  }

  static final class Populates implements CompactSerializer<HazelcastAuthState.Populate> {
    @Override
    public HazelcastAuthState.Populate read(CompactReader r) {
      return new HazelcastAuthState.Populate(r.readNullableInt64("expectedNonce"), r.readCompact("value"),
          r.readInt64("ttlMillis"), r.readInt64("notAfter"));
    }

    @Override
    public void write(CompactWriter w, HazelcastAuthState.Populate p) {
      w.writeNullableInt64("expectedNonce", p.expectedNonce());
      w.writeCompact("value", p.value());
      w.writeInt64("ttlMillis", p.ttlMillis());
      w.writeInt64("notAfter", p.notAfter());
    }

    @Override
    public String getTypeName() {
      return "k0rdent.auth.Populate";
    }

    @Override
    public Class<HazelcastAuthState.Populate> getCompactClass() {
      return HazelcastAuthState.Populate.class;
    }
  }
}
