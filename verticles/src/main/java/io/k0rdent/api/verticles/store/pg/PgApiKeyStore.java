package io.k0rdent.api.verticles.store.pg;

import static io.k0rdent.api.verticles.store.pg.PgResourceStore.Column.fixed;
import static io.k0rdent.api.verticles.store.pg.PgResourceStore.Column.mutable;

import io.k0rdent.api.core.resource.ApiKey;
import io.k0rdent.api.core.store.ApiKeyStore;
import io.k0rdent.api.core.store.Use;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import java.util.List;
import java.util.Map;

/** {@link ApiKeyStore} over the {@code api_keys} table; its foreign keys are those of service accounts. */
final class PgApiKeyStore extends PgResourceStore<ApiKey> implements ApiKeyStore {

  private static final String TABLE = "api_keys";

  PgApiKeyStore(Pool pool, PgEvents events) {
    super(pool, events, new Table<>("API key", TABLE,
        List.of(fixed("organization_id", ApiKey::organizationId),
            fixed("scope", ApiKey::scope),
            fixed("scope_id", ApiKey::scopeId),
            mutable("roles", k -> array(k.roles())),
            mutable("status", ApiKey::status),
            fixed("expires_at", k -> ts(k.expiresAt())),
            fixed("created_by", ApiKey::createdBy),
            fixed("creator_type", ApiKey::creatorType),
            mutable("secret_hash", ApiKey::secretHash),
            mutable("previous_secret_hash", ApiKey::previousSecretHash),
            mutable("previous_secret_expires_at", k -> ts(k.previousSecretExpiresAt())),
            mutable("last_rotated_at", k -> ts(k.lastRotatedAt())),
            fixed("last_used_at", k -> ts(k.lastUsedAt())),
            fixed("last_used_ip", ApiKey::lastUsedIp),
            mutable("display_name", ApiKey::displayName),
            mutable("description", ApiKey::description)),
        Map.of("organizationId", "organization_id", "scope", "scope", "scopeId", "scope_id", "status", "status",
            "createdBy", "created_by", "projectId", "project_id"),
        PgApiKeyStore::apiKey, PgStore.scopeFk(ApiKey::organizationId, ApiKey::scopeId), null));
  }

  private static ApiKey apiKey(Row r) {
    return new ApiKey(r.getString("id"), r.getUUID("uid"), r.getString("organization_id"), r.getString("scope"),
        r.getString("scope_id"), strings(r, "roles"), r.getString("status"), instant(r, "expires_at"),
        r.getString("created_by"), r.getString("creator_type"), r.getString("secret_hash"),
        r.getString("previous_secret_hash"), instant(r, "previous_secret_expires_at"),
        instant(r, "last_rotated_at"), instant(r, "last_used_at"), r.getString("last_used_ip"),
        r.getString("display_name"), r.getString("description"), instant(r, "created_at"),
        instant(r, "updated_at"), r.getLong("version"));
  }

  @Override
  public Future<Void> recordUse(Map<String, Use> uses) {
    return recordUse(pool, TABLE, uses);
  }
}
