package io.k0rdent.api.router.auth;

import io.k0rdent.api.core.auth.PrincipalType;
import io.k0rdent.api.core.auth.SigningKeyRing;
import io.k0rdent.api.core.auth.SigningKeys;
import io.k0rdent.api.core.auth.policy.Permissions;
import io.k0rdent.api.core.auth.policy.ScopeChain;
import io.k0rdent.api.core.error.ApiException;
import io.k0rdent.api.core.event.ChangeEvents;
import io.k0rdent.api.router.ApiServices;
import io.k0rdent.api.router.Call;
import io.k0rdent.api.router.OperationHandler;
import io.k0rdent.api.router.Reply;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.format.DateTimeFormatter;
import java.util.Map;

/**
 * {@code POST /v1/regions/global/auth/keys:rotate} ({@code rotateSigningKey}), Atlas only, permission
 * {@value #PERMISSION} at platform scope (platform administrators): adds a fresh signing key that signs every token from
 * now on, on every node within about a second ({@link SigningKeyRing#rotate()}). The superseded keys stay
 * in the JWKS, and valid, until the last token they signed has expired. A token minted with an API key
 * cannot rotate (403). Answers 200 with {@link #view(SigningKeys)} and {@code Cache-Control: no-store};
 * 503 when the store is unavailable or rotations kept racing.
 */
public final class SigningKeysApi {

  /** The permission the operation needs. */
  public static final String PERMISSION = Permissions.KEYS_ROTATE;

  /** The type of a rotation's event; its subject is {@link #COLLECTION}, its data the answer's body. */
  public static final String ROTATED = "ai.k0rdent.auth.signingKeys.rotated";
  /** The signing keys' name in events (the rotation's path without its verb; a name, not a route). */
  public static final String COLLECTION = "/v1/regions/global/auth/keys";
  private final SigningKeyRing ring;
  private final io.k0rdent.api.core.store.Store store;

  public SigningKeysApi(ApiServices services) {
    this.ring = services.keyRing();
    this.store = services.store();
  }

  /** operationId → handler. */
  public Map<String, OperationHandler> handlers() {
    return Map.of("rotateSigningKey", this::rotate);
  }

  private Future<Reply> rotate(Call call) {
    call.require(PERMISSION, ScopeChain.PLATFORM);
    if (call.principal().type() == PrincipalType.API_KEY) {
      throw ApiException.permissionDenied("a token minted with an API key cannot rotate the signing keys");
    }
    return ring.rotate(event(store.changeEvents()))
        .map(keys -> Reply.ok(view(keys)).withHeader("Cache-Control", "no-store"));
  }

  /** A rotation's audit event: type {@link #ROTATED}, the provider's, data the public {@link #view}. */
  public static java.util.function.Function<SigningKeys, ChangeEvents.Change> event(ChangeEvents events) {
    return keys -> events.change(ROTATED, COLLECTION, ChangeEvents.Owner.PROVIDER, view(keys));
  }

  /**
   * The public view of a key set (the operation's documented 200 body): {@code current}, the kid that signs;
   * {@code keys}, the public JWKs as the JWKS publishes them; {@code retiring}, {@code {kid, retireAfter}}
   * (RFC 3339) of every key that leaves the JWKS at {@code retireAfter}.
   */
  public static JsonObject view(SigningKeys keys) {
    JsonArray retiring = new JsonArray();
    for (SigningKeys.Entry e : keys.entries()) {
      if (e.retireAfter() != null) {
        retiring.add(new JsonObject().put("kid", e.kid())
            .put("retireAfter", DateTimeFormatter.ISO_INSTANT.format(e.retireAfter())));
      }
    }
    return new JsonObject().put("current", keys.current().getKeyID())
        .put("keys", new JsonObject(keys.publicJwkSet()).getJsonArray("keys"))
        .put("retiring", retiring);
  }
}
