package io.k0rdent.api.core.store;

import io.k0rdent.api.core.resource.ApiKey;
import io.vertx.core.Future;
import java.util.Map;

/**
 * API keys. List filters: {@code organizationId}, {@code createdBy}, {@code scope}, {@code scopeId},
 * {@code status} (the stored status: active or disabled). {@link #update} replaces the updatable fields:
 * {@code displayName, description, roles, status, secretHash, previousSecretHash,
 * previousSecretExpiresAt, lastRotatedAt}.
 */
public interface ApiKeyStore extends ResourceStore<ApiKey> {

  /** Sets {@code lastUsedAt}/{@code lastUsedIp} (never moving {@code lastUsedAt} back); no version change; ids gone are skipped. */
  Future<Void> recordUse(Map<String, Use> uses);
}
