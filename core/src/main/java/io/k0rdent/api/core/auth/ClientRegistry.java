package io.k0rdent.api.core.auth;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * OAuth clients that may use {@code client_credentials} (RFC 6749 §4.4): client id → keyed hash of its
 * secret and the principal its tokens describe. In-memory and thread-safe; the tokens issue moves it
 * behind a Hazelcast near cache fed from the store.
 */
public final class ClientRegistry {

  /** A registered client and the claims its tokens carry. */
  public record Client(String clientId, String secretHash, String subject, PrincipalType type, String tenantId,
                       String scope, String scopeId, String credentialId) {}

  private final Map<String, Client> clients = new ConcurrentHashMap<>();
  private final SecretHasher hasher;

  public ClientRegistry(SecretHasher hasher) {
    this.hasher = hasher;
  }

  public void register(Client client) {
    clients.put(client.clientId(), client);
  }

  /**
   * The client when {@code secret} is its secret, else null. Costs one HMAC whether or not the client
   * exists, so timing does not reveal which client ids are registered.
   */
  public Client authenticate(String clientId, String secret) {
    Client c = clientId == null ? null : clients.get(clientId);
    boolean ok = hasher.matches(secret == null ? "" : secret, c == null ? hasher.hash("\u0000") : c.secretHash());
    return ok && c != null ? c : null;
  }
}
