package io.k0rdent.api.router;

import io.k0rdent.api.core.error.ApiException;
import io.k0rdent.api.core.store.PageCursor;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Opaque, tamper-evident list cursors: base64url of {@code version | createdAt millis | id} followed by an
 * HMAC-SHA-256 tag (truncated to 128 bits) over the payload and the list's scope (operation and filters),
 * under a server key shared by all nodes. A token altered, forged, or replayed against another list or
 * filter answers 400 naming the field {@code pageToken}. Thread-safe.
 */
public final class PageTokens {

  private static final byte VERSION = 1;
  private static final int TAG_BYTES = 16;
  private final SecretKeySpec key;
  private final ThreadLocal<Mac> mac;

  /** @param key at least 32 bytes */
  public PageTokens(byte[] key) {
    if (key.length < 32) {
      throw new IllegalArgumentException("page token key must be at least 32 bytes");
    }
    this.key = new SecretKeySpec(key.clone(), "HmacSHA256");
    this.mac = ThreadLocal.withInitial(() -> {
      try {
        Mac m = Mac.getInstance("HmacSHA256");
        m.init(this.key);
        return m;
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException(e);
      }
    });
  }

  private byte[] tag(byte[] payload, String scope) {
    Mac m = mac.get();
    m.update(payload);
    m.update((byte) 0);
    m.update(scope.getBytes(StandardCharsets.UTF_8));
    return Arrays.copyOf(m.doFinal(), TAG_BYTES);
  }

  /** The token for resuming after {@code cursor} in the list identified by {@code scope}. */
  public String encode(PageCursor cursor, String scope) {
    byte[] id = cursor.id().getBytes(StandardCharsets.UTF_8);
    ByteBuffer b = ByteBuffer.allocate(1 + 8 + id.length);
    b.put(VERSION).putLong(cursor.createdAt().toEpochMilli()).put(id);
    byte[] payload = b.array();
    byte[] tag = tag(payload, scope);
    byte[] all = Arrays.copyOf(payload, payload.length + TAG_BYTES);
    System.arraycopy(tag, 0, all, payload.length, TAG_BYTES);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(all);
  }

  /** The cursor in {@code token}; throws 400 when the token is not one we issued for {@code scope}. */
  public PageCursor decode(String token, String scope) {
    byte[] all;
    try {
      all = Base64.getUrlDecoder().decode(token);
    } catch (IllegalArgumentException e) {
      throw invalid();
    }
    if (all.length < 1 + 8 + 1 + TAG_BYTES || all.length > 1024) {
      throw invalid();
    }
    byte[] payload = Arrays.copyOf(all, all.length - TAG_BYTES);
    byte[] tag = Arrays.copyOfRange(all, all.length - TAG_BYTES, all.length);
    if (!MessageDigest.isEqual(tag, tag(payload, scope)) || payload[0] != VERSION) {
      throw invalid();
    }
    ByteBuffer b = ByteBuffer.wrap(payload, 1, payload.length - 1);
    long millis = b.getLong();
    String id = new String(payload, 9, payload.length - 9, StandardCharsets.UTF_8);
    return new PageCursor(Instant.ofEpochMilli(millis), id);
  }

  private static ApiException invalid() {
    return ApiException.invalidField("pageToken",
        "pageToken is not a token this list returned (altered, expired or for other filters)");
  }
}
