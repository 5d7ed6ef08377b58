package io.k0rdent.api.core.store;

import io.k0rdent.api.core.resource.ServiceAccountCredential;
import io.vertx.core.Future;
import java.time.Instant;
import java.util.Collection;
import java.util.Map;

/**
 * Service-account credentials. List filters: {@code serviceAccountId}. Deleting a service account
 * deletes its credentials. {@link #create} is not used for credentials: {@link #createLimited} is.
 */
public interface CredentialStore extends ResourceStore<ServiceAccountCredential> {

  /**
   * Stores {@code credential} unless its service account already holds {@code maxActive} credentials
   * unexpired at {@code now}: then fails 409 {@code FAILED_PRECONDITION} and stores nothing. Fails 404
   * when the service account does not exist. Atomic under concurrency: N concurrent calls never leave more
   * than {@code maxActive} active credentials.
   */
  Future<ServiceAccountCredential> createLimited(ServiceAccountCredential credential, int maxActive, Instant now);

  /** Credentials unexpired at {@code now}, per service account id (accounts with none are absent). */
  Future<Map<String, Integer>> activeCounts(Collection<String> serviceAccountIds, Instant now);

  /** Sets {@code lastUsedAt}/{@code lastUsedIp} (never moving {@code lastUsedAt} back); no version change; ids gone are skipped. */
  Future<Void> recordUse(Map<String, Use> uses);
}
