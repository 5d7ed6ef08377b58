package io.k0rdent.api.core.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.text.ParseException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * The server's JWT signing keys, one immutable snapshot of the key set: ES256 (ECDSA P-256, RFC 7518
 * §3.4) private JWKs with a {@code kid}, each with its creation time and, once a newer key signs, the
 * time after which it is retired. The {@linkplain #current() current} key signs; every key of the snapshot
 * verifies and is published in the JWKS. The private halves never leave the process except into the store.
 *
 * <p>Stored form (settings value {@value SigningKeyRing#SETTING}, see {@link #toStoredJson()}), times in
 * epoch seconds:
 * <pre>{"version": 2, "current": "kid-2",
 *  "keys": [{"jwk": {private JWK of kid-1}, "createdAt": 1760000000, "retireAfter": 1760000930},
 *           {"jwk": {private JWK of kid-2}, "createdAt": 1760000000, "retireAfter": null}]}</pre>
 * {@code version} counts rotations (1 for the first key); dropping retired keys keeps it, so of two
 * snapshots the one with the higher version, or with the same version and fewer keys, is the newer.
 *
 * <p>The algorithm is provisional: the tokens issue measures sign/verify for HS256, RS256, ES256 and
 * EdDSA and records the choice in {@code perf/RESULTS.md}.
 */
public final class SigningKeys {

  public static final JWSAlgorithm ALGORITHM = JWSAlgorithm.ES256;

  /**
   * One key of the set.
   *
   * @param key         the private JWK (with its {@code kid})
   * @param createdAt   when it was generated (seconds precision)
   * @param retireAfter null while it is current or not yet superseded; otherwise the first instant at
   *                    which it is no longer published nor accepted
   */
  public record Entry(ECKey key, Instant createdAt, Instant retireAfter) {
    public String kid() {
      return key.getKeyID();
    }
  }

  private final List<Entry> entries;
  private final Entry current;
  private final long version;
  private final long nextRetirementMillis;

  private SigningKeys(List<Entry> entries, String currentKid, long version) {
    if (entries.isEmpty()) {
      throw new IllegalArgumentException("at least one signing key is required");
    }
    if (version < 1) {
      throw new IllegalArgumentException("the key set's version must be positive");
    }
    Set<String> kids = new HashSet<>();
    Entry cur = null;
    long next = Long.MAX_VALUE;
    for (Entry e : entries) {
      if (!e.key().isPrivate() || e.kid() == null || e.kid().isBlank() || !Curve.P_256.equals(e.key().getCurve())) {
        throw new IllegalArgumentException("a signing JWK needs a kid, its private part and curve P-256");
      }
      if (!kids.add(e.kid())) {
        throw new IllegalArgumentException("two signing keys have kid " + e.kid());
      }
      if (e.kid().equals(currentKid)) {
        cur = e;
      } else if (e.retireAfter() != null) {
        next = Math.min(next, e.retireAfter().toEpochMilli());
      }
    }
    if (cur == null) {
      throw new IllegalArgumentException("the current signing key " + currentKid + " is not in the set");
    }
    if (cur.retireAfter() != null) {
      throw new IllegalArgumentException("the current signing key cannot be retiring");
    }
    this.entries = List.copyOf(entries);
    this.current = cur;
    this.version = version;
    this.nextRetirementMillis = next;
  }

  /**
   * The private key as BouncyCastle's own class: BC converts a JDK key object on every signature and
   * loses its precomputed tables, which made signing 3.5× and verifying 2.3× slower (perf/RESULTS.md).
   */
  static java.security.interfaces.ECPrivateKey bcPrivateKey(ECKey key) throws JOSEException {
    return (java.security.interfaces.ECPrivateKey) toBouncyCastle(key.toECPrivateKey());
  }

  /** The public key as BouncyCastle's own class, for the same reason as {@link #bcPrivateKey}. */
  static java.security.interfaces.ECPublicKey bcPublicKey(ECKey key) throws JOSEException {
    return (java.security.interfaces.ECPublicKey) toBouncyCastle(key.toECPublicKey());
  }

  private static java.security.Key toBouncyCastle(java.security.Key key) throws JOSEException {
    try {
      return java.security.KeyFactory.getInstance("EC",
          com.nimbusds.jose.crypto.bc.BouncyCastleProviderSingleton.getInstance()).translateKey(key);
    } catch (java.security.GeneralSecurityException e) {
      throw new JOSEException("cannot translate the key to BouncyCastle's classes", e);
    }
  }

  /** A fresh P-256 private JWK with a random UUID {@code kid}, serialised as JSON (with its private part). */
  public static String generateJwk() {
    try {
      return new ECKeyGenerator(Curve.P_256).keyUse(KeyUse.SIGNATURE).algorithm(ALGORITHM)
          .keyID(UUID.randomUUID().toString()).generate().toJSONString();
    } catch (JOSEException e) {
      throw new IllegalStateException("cannot generate an EC key", e);
    }
  }

  private static ECKey parseJwk(String json) {
    try {
      return ECKey.parse(json);
    } catch (ParseException | RuntimeException e) {
      throw new IllegalArgumentException("unreadable signing key: " + e.getMessage(), e);
    }
  }

  /**
   * A set of private JWKs (JSON objects) none of which is retiring; the last one signs. Version 1, creation
   * time {@code Instant.EPOCH} (unknown). For tests and tools that hold fixed keys.
   *
   * @throws IllegalArgumentException when a JWK is unreadable, not a private P-256 key or has no kid
   */
  public static SigningKeys fromJwks(List<String> jwkJson) {
    List<Entry> parsed = new ArrayList<>();
    for (String s : jwkJson) {
      parsed.add(new Entry(parseJwk(s), Instant.EPOCH, null));
    }
    return new SigningKeys(parsed, parsed.isEmpty() ? null : parsed.get(parsed.size() - 1).kid(), 1);
  }

  /** A new set of one freshly generated key, version 1. */
  public static SigningKeys generate(Instant now) {
    return fromLegacyJwk(generateJwk(), now);
  }

  /**
   * The set the single private JWK of the former {@code jwt.signing-key} setting becomes: that key, current,
   * created {@code now} (its real creation time was not recorded), version 1.
   *
   * @throws IllegalArgumentException when the JWK is unreadable, not a private P-256 key or has no kid
   */
  public static SigningKeys fromLegacyJwk(String jwkJson, Instant now) {
    ECKey k = parseJwk(jwkJson);
    return new SigningKeys(List.of(new Entry(k, seconds(now), null)), k.getKeyID(), 1);
  }

  /**
   * Reads the stored form (see the class comment).
   *
   * @throws IllegalArgumentException when it is not that form or breaks its rules (one current key, not
   *     retiring; unique kids; private P-256 keys)
   */
  public static SigningKeys parse(String storedJson) {
    try {
      JsonObject o = new JsonObject(storedJson);
      JsonArray keys = o.getJsonArray("keys");
      String currentKid = o.getString("current");
      Long version = o.getLong("version");
      if (keys == null || currentKid == null || version == null) {
        throw new IllegalArgumentException("the stored signing keys lack keys, current or version");
      }
      List<Entry> entries = new ArrayList<>();
      for (int i = 0; i < keys.size(); i++) {
        JsonObject e = keys.getJsonObject(i);
        JsonObject jwk = e.getJsonObject("jwk");
        Long created = e.getLong("createdAt");
        Long retire = e.getLong("retireAfter");
        if (jwk == null || created == null) {
          throw new IllegalArgumentException("a stored signing key lacks jwk or createdAt");
        }
        entries.add(new Entry(parseJwk(jwk.encode()), Instant.ofEpochSecond(created),
            retire == null ? null : Instant.ofEpochSecond(retire)));
      }
      return new SigningKeys(entries, currentKid, version);
    } catch (DecodeException | ClassCastException e) {
      throw new IllegalArgumentException("the stored signing keys are not the expected JSON: " + e.getMessage(), e);
    }
  }

  /** The stored form (see the class comment), private halves included: for the store only. */
  public String toStoredJson() {
    JsonArray keys = new JsonArray();
    for (Entry e : entries) {
      keys.add(new JsonObject()
          .put("jwk", new JsonObject(e.key().toJSONString()))
          .put("createdAt", e.createdAt().getEpochSecond())
          .put("retireAfter", e.retireAfter() == null ? null : e.retireAfter().getEpochSecond()));
    }
    return new JsonObject().put("version", version).put("current", current.kid()).put("keys", keys).encode();
  }

  /**
   * The set after a rotation at {@code now}: a freshly generated key is current; every other key that was
   * not retiring yet retires at {@code now + retireIn} (seconds precision, rounded up); keys already retired
   * at {@code now} are dropped. Version + 1.
   *
   * @param retireIn how long superseded keys stay published: at least the longest token lifetime, plus
   *                 a margin for clock skew and for the other nodes to stop signing with them
   */
  public SigningKeys rotated(Instant now, Duration retireIn) {
    Instant retireAt = seconds(now.plus(retireIn).plusMillis(999));
    List<Entry> next = new ArrayList<>();
    for (Entry e : withoutRetired(now).entries) {
      next.add(e.retireAfter() != null ? e : new Entry(e.key(), e.createdAt(), retireAt));
    }
    ECKey fresh = parseJwk(generateJwk());
    next.add(new Entry(fresh, seconds(now), null));
    return new SigningKeys(next, fresh.getKeyID(), version + 1);
  }

  /** This set without the keys retired at {@code now} ({@code retireAfter <= now}); {@code this} when none is. */
  public SigningKeys withoutRetired(Instant now) {
    if (now.toEpochMilli() < nextRetirementMillis) {
      return this;
    }
    List<Entry> kept = new ArrayList<>();
    for (Entry e : entries) {
      if (e.retireAfter() == null || now.isBefore(e.retireAfter())) {
        kept.add(e);
      }
    }
    return new SigningKeys(kept, current.kid(), version);
  }

  /** The earliest {@code retireAfter} of the set in epoch milliseconds; {@link Long#MAX_VALUE} when none. */
  public long nextRetirementMillis() {
    return nextRetirementMillis;
  }

  /** The number of rotations that made this set, 1 for the first key. */
  public long version() {
    return version;
  }

  /** The key new tokens are signed with. */
  public ECKey current() {
    return current.key();
  }

  /** The key with {@code kid}, or null. */
  public ECKey byKid(String kid) {
    for (Entry e : entries) {
      if (e.kid().equals(kid)) {
        return e.key();
      }
    }
    return null;
  }

  /** Every key of the set (they all verify), oldest first. */
  public List<ECKey> all() {
    return entries.stream().map(Entry::key).toList();
  }

  /** Every key with its times, oldest first. */
  public List<Entry> entries() {
    return entries;
  }

  /** The kids of the set, oldest first. */
  public List<String> kids() {
    return entries.stream().map(Entry::kid).toList();
  }

  /** The public JWK Set (RFC 7517 §5) served at the JWKS endpoints: every key of the set, public halves only. */
  public Map<String, Object> publicJwkSet() {
    return new JWKSet(entries.stream().map(e -> (com.nimbusds.jose.jwk.JWK) e.key().toPublicJWK()).toList())
        .toJSONObject(true);
  }

  /** Whether {@code other} is a newer snapshot of the same stored set: higher version, or same with fewer keys. */
  public boolean isOlderThan(SigningKeys other) {
    return other.version > version
        || (other.version == version && other.entries.size() < entries.size()
            && kids().containsAll(other.kids()));
  }

  private static Instant seconds(Instant t) {
    return Instant.ofEpochSecond(t.getEpochSecond());
  }
}
