package io.k0rdent.api.core.auth;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Clients defined by configuration rather than stored as service accounts: the provider's bootstrap
 * service account. Each has a client id, the keyed hash of its secret, the claims its tokens carry and
 * its roles. In memory and thread-safe; every node registers the same ones at start.
 */
public final class ClientRegistry {

  /** A configured client and the claims its tokens carry. */
  public record Client(String clientId, String secretHash, String subject, PrincipalType type, String tenantId,
                       String scope, String scopeId, String credentialId, List<String> roles) {
    public Client {
      roles = List.copyOf(roles);
    }
  }

  private final Map<String, Client> byClientId = new ConcurrentHashMap<>();
  private final Map<String, Client> bySubject = new ConcurrentHashMap<>();

  public void register(Client client) {
    byClientId.put(client.clientId(), client);
    bySubject.put(client.subject(), client);
  }

  /** The client with this id, or null. */
  public Client byClientId(String clientId) {
    return clientId == null ? null : byClientId.get(clientId);
  }

  /** The client whose tokens carry {@code sub}, or null. */
  public Client bySubject(String subject) {
    return subject == null ? null : bySubject.get(subject);
  }
}
