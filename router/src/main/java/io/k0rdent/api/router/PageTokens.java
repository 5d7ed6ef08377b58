package io.k0rdent.api.router;

import io.k0rdent.api.core.error.ApiException;
import io.k0rdent.api.core.store.PageCursor;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Opaque, tamper-evident list cursors (page tokens), sealed with authenticated encryption.
 *
 * <p>Format: {@code base64url-without-padding(version | nonce | ciphertext+tag)} where
 * <ul>
 *   <li>{@code version} is one byte, {@value #VERSION};</li>
 *   <li>{@code nonce} is 12 random bytes (96 bits) from a {@link SecureRandom}, fresh for every token;</li>
 *   <li>{@code ciphertext+tag} is AES-256-GCM (128-bit tag) of the payload
 *       {@code createdAt epoch millis (8 bytes, big-endian) | id (UTF-8)}, with the additional
 *       authenticated data {@code version | scope (UTF-8)};</li>
 *   <li>the AES key is HMAC-SHA-256(server key, {@code "k0rdent page tokens v1"}), i.e. 32 bytes derived
 *       from the (at least 32-byte) key shared by all nodes.</li>
 * </ul>
 *
 * <p>Guarantees: a token reveals nothing of the cursor (no {@code createdAt}, no {@code id}) beyond the
 * id's length, and two tokens for the same cursor differ. Only a holder of the server key can make a token
 * that decodes; one altered in any way, forged, issued under another key, or replayed against another
 * list or filter ({@code scope}) answers 400 naming the field {@code pageToken}, as does anything else
 * that is not a token (bad base64, wrong length, over 1024 characters, unknown version). Tokens do not
 * expire: a cursor names a position, and keyset paging resumes after it however old it is. The random
 * nonces keep the usual GCM bound: change the key well before 2<sup>32</sup> tokens have been issued
 * under it. Thread-safe.
 */
public final class PageTokens {

  /** The format version, first byte of every token. */
  private static final byte VERSION = 2;
  private static final int NONCE_BYTES = 12;
  private static final int TAG_BITS = 128;
  private static final int TAG_BYTES = TAG_BITS / 8;
  private static final int MILLIS_BYTES = 8;
  /** Longest token (characters) we accept or issue. */
  private static final int MAX_TOKEN_CHARS = 1024;
  private static final int MIN_TOKEN_BYTES = 1 + NONCE_BYTES + MILLIS_BYTES + TAG_BYTES;
  private static final byte[] KEY_LABEL = "k0rdent page tokens v1".getBytes(StandardCharsets.UTF_8);
  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
  private static final Base64.Decoder B64_DECODER = Base64.getUrlDecoder();

  private final SecretKeySpec aesKey;
  private final SecureRandom random = new SecureRandom();
  private final ThreadLocal<Cipher> cipher = ThreadLocal.withInitial(() -> {
    try {
      return Cipher.getInstance("AES/GCM/NoPadding");
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES/GCM is not available", e);
    }
  });

  /** @param key the server key shared by all nodes, at least 32 bytes */
  public PageTokens(byte[] key) {
    if (key == null || key.length < 32) {
      throw new IllegalArgumentException("page token key must be at least 32 bytes");
    }
    byte[] derived;
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      derived = mac.doFinal(KEY_LABEL);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is not available", e);
    }
    this.aesKey = new SecretKeySpec(derived, 0, 32, "AES");
    Arrays.fill(derived, (byte) 0);
  }

  /**
   * The token for resuming after {@code cursor} in the list identified by {@code scope}.
   *
   * @throws IllegalArgumentException when the id is so long the token would exceed 1024 characters
   */
  public String encode(PageCursor cursor, String scope) {
    byte[] id = cursor.id().getBytes(StandardCharsets.UTF_8);
    byte[] plain = ByteBuffer.allocate(MILLIS_BYTES + id.length)
        .putLong(cursor.createdAt().toEpochMilli()).put(id).array();
    byte[] token = new byte[1 + NONCE_BYTES + plain.length + TAG_BYTES];
    token[0] = VERSION;
    byte[] nonce = new byte[NONCE_BYTES];
    random.nextBytes(nonce);
    System.arraycopy(nonce, 0, token, 1, NONCE_BYTES);
    try {
      Cipher c = cipher.get();
      c.init(Cipher.ENCRYPT_MODE, aesKey, new GCMParameterSpec(TAG_BITS, nonce));
      c.updateAAD(aad(scope));
      int n = c.doFinal(plain, 0, plain.length, token, 1 + NONCE_BYTES);
      if (n != plain.length + TAG_BYTES) {
        throw new IllegalStateException("AES/GCM wrote " + n + " bytes, expected " + (plain.length + TAG_BYTES));
      }
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("sealing a page token failed", e);
    }
    String text = B64.encodeToString(token);
    if (text.length() > MAX_TOKEN_CHARS) {
      throw new IllegalArgumentException("page cursor id is too long for a page token (" + id.length + " bytes)");
    }
    return text;
  }

  /**
   * The cursor in {@code token}.
   *
   * @throws ApiException 400 naming {@code pageToken} when the token is not one we issued for {@code scope}
   */
  public PageCursor decode(String token, String scope) {
    if (token == null || token.length() > MAX_TOKEN_CHARS) {
      throw invalid();
    }
    byte[] all;
    try {
      all = B64_DECODER.decode(token);
    } catch (IllegalArgumentException e) {
      throw invalid();
    }
    // One canonical spelling only: no padding, no stray bits in the last character.
    if (all.length < MIN_TOKEN_BYTES || all[0] != VERSION || !B64.encodeToString(all).equals(token)) {
      throw invalid();
    }
    byte[] plain;
    try {
      Cipher c = cipher.get();
      c.init(Cipher.DECRYPT_MODE, aesKey, new GCMParameterSpec(TAG_BITS, all, 1, NONCE_BYTES));
      c.updateAAD(aad(scope));
      plain = c.doFinal(all, 1 + NONCE_BYTES, all.length - 1 - NONCE_BYTES);
    } catch (GeneralSecurityException e) {
      // AEADBadTagException: altered, forged, other key or other scope.
      throw invalid();
    }
    long millis = ByteBuffer.wrap(plain, 0, MILLIS_BYTES).getLong();
    String id = new String(plain, MILLIS_BYTES, plain.length - MILLIS_BYTES, StandardCharsets.UTF_8);
    return new PageCursor(Instant.ofEpochMilli(millis), id);
  }

  private static byte[] aad(String scope) {
    byte[] s = scope.getBytes(StandardCharsets.UTF_8);
    byte[] aad = new byte[1 + s.length];
    aad[0] = VERSION;
    System.arraycopy(s, 0, aad, 1, s.length);
    return aad;
  }

  private static ApiException invalid() {
    return ApiException.invalidField("pageToken",
        "pageToken is not a token this list returned (altered, or issued for other filters)");
  }
}
