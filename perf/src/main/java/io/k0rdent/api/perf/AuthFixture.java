package io.k0rdent.api.perf;

import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import io.k0rdent.api.core.auth.AccessTokenIssuer;
import io.k0rdent.api.core.auth.AccessTokenVerifier;
import io.k0rdent.api.core.auth.ClientRegistry;
import io.k0rdent.api.core.auth.CredentialChecks;
import io.k0rdent.api.core.auth.SecretHasher;
import io.k0rdent.api.core.auth.Secrets;
import io.k0rdent.api.core.auth.SigningKeys;
import io.k0rdent.api.core.resource.Clock;
import io.k0rdent.api.core.resource.Organization;
import io.k0rdent.api.core.resource.ServiceAccount;
import io.k0rdent.api.core.resource.ServiceAccountCredential;
import io.k0rdent.api.core.store.memory.InMemoryStore;
import io.k0rdent.api.verticles.cluster.HazelcastAuthState;
import io.k0rdent.api.verticles.cluster.HazelcastSetup;
import io.k0rdent.api.verticles.config.Settings;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * The auth benchmarks' stage, as the product runs it without HTTP: an embedded Hazelcast member with the
 * product's {@link HazelcastAuthState} over the in-memory store, holding organization {@code provider}, a
 * service account with {@code compute-viewer} and {@code project-viewer} and one credential; the checks,
 * a signer and a verifier over one ES256 key.
 */
final class AuthFixture {

  final Vertx vertx;
  final HazelcastInstance hazelcast;
  final HazelcastAuthState state;
  final ClientRegistry clients = new ClientRegistry();
  final CredentialChecks checks;
  final AccessTokenIssuer issuer;
  final AccessTokenVerifier verifier;
  final String clientId = ServiceAccount.clientIdOf("sa-bench", "provider");
  final String secret = Secrets.clientSecret("cred-bench");

  static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  AuthFixture() throws Exception {
    vertx = Vertx.vertx();
    hazelcast = Hazelcast.newHazelcastInstance(HazelcastSetup.config(
        new Settings.Hazelcast("bench-" + UUID.randomUUID(), 5701, "", "127.0.0.1")));
    InMemoryStore store = new InMemoryStore();
    Instant now = Clock.now();
    await(store.organizations().create(new Organization("provider", UUID.randomUUID(), "P", null, now, now, 1)));
    SecretHasher hasher = new SecretHasher(Secrets.randomBytes());
    await(store.serviceAccounts().create(new ServiceAccount("sa-bench", UUID.randomUUID(), "provider", clientId,
        "organization", "provider", List.of("compute-viewer", "project-viewer"), ServiceAccount.ACTIVE, "bench", null,
        "bench", now, now, 1)));
    await(store.credentials().createLimited(new ServiceAccountCredential("cred-bench", UUID.randomUUID(), "sa-bench",
        hasher.hash(secret), null, "bench", null, null, now, now, 1), 5, now));
    state = await(HazelcastAuthState.start(vertx, hazelcast, store));
    checks = new CredentialChecks(state, clients, hasher);
    SigningKeys keys = SigningKeys.fromJwks(List.of(SigningKeys.generateJwk()));
    issuer = new AccessTokenIssuer(keys, "http://bench", "k0rdent-api", Duration.ofMinutes(15));
    verifier = new AccessTokenVerifier(keys, "http://bench", "k0rdent-api");
  }

  /** The claims a {@code client_credentials} token of the account carries (the token endpoint's work). */
  AccessTokenIssuer.Claims claims(Instant now) throws Exception {
    CredentialChecks.Grantee g = await(checks.clientCredentials(clientId, secret, now));
    String roleSet = g.roles() == null ? null : await(state.roleSetId(g.roles()));
    AccessTokenIssuer.Claims c = g.claims();
    return new AccessTokenIssuer.Claims(c.subject(), c.type(), c.clientId(), c.tenantId(), c.scope(), c.scopeId(),
        c.credentialId(), roleSet);
  }

  void close() throws Exception {
    await(state.close());
    hazelcast.shutdown();
    await(vertx.close());
  }
}
