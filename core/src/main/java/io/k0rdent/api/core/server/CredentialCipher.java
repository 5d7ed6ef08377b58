package io.k0rdent.api.core.server;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.UUID;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Seals BMC credentials for storage: AES-256-GCM (NIST SP 800-38D) with a 96-bit random nonce, the server's
 * {@code uid} as associated data (a sealed value copied onto another server does not open), and the key from
 * configuration ({@code servers.credentialKey}, 32 bytes base64url). Sealed text: {@code v1.} + base64url(nonce ‖
 * ciphertext ‖ tag). Thread-safe; nothing here logs.
 */
public final class CredentialCipher {

  private static final String PREFIX = "v1.";
  private static final int NONCE_BYTES = 12;
  private static final int TAG_BITS = 128;

  /** BMC credentials in the clear; {@link #toString()} never shows the password. */
  public record Credentials(String username, String password) {
    @Override
    public String toString() {
      return "Credentials[username=" + username + ", password=***]";
    }
  }

  private final SecretKeySpec key;
  private final SecureRandom random = new SecureRandom();

  /**
   * @param key 32 bytes
   * @throws IllegalArgumentException for another length
   */
  public CredentialCipher(byte[] key) {
    if (key == null || key.length != 32) {
      throw new IllegalArgumentException("the credential key must be 32 bytes (AES-256)");
    }
    this.key = new SecretKeySpec(key.clone(), "AES");
  }

  /**
   * From base64url (or base64) text of 32 bytes.
   *
   * @throws IllegalArgumentException when it is not such text
   */
  public static CredentialCipher fromBase64(String text) {
    byte[] key;
    try {
      String t = text.trim();
      key = t.indexOf('+') >= 0 || t.indexOf('/') >= 0 ? Base64.getDecoder().decode(t) : Base64.getUrlDecoder().decode(t);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("the credential key must be base64url text of 32 bytes");
    }
    return new CredentialCipher(key);
  }

  /** A new random key as base64url text (for dev mode and for operators generating one). */
  public static String newKey() {
    byte[] k = new byte[32];
    new SecureRandom().nextBytes(k);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(k);
  }

  /** Seals {@code credentials} for server {@code uid}. */
  public String seal(UUID uid, Credentials credentials) {
    byte[] user = credentials.username().getBytes(StandardCharsets.UTF_8);
    byte[] pass = credentials.password().getBytes(StandardCharsets.UTF_8);
    ByteBuffer plain = ByteBuffer.allocate(4 + user.length + pass.length).putInt(user.length).put(user).put(pass);
    byte[] nonce = new byte[NONCE_BYTES];
    random.nextBytes(nonce);
    try {
      Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
      c.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
      c.updateAAD(aad(uid));
      byte[] sealed = c.doFinal(plain.array());
      byte[] out = ByteBuffer.allocate(NONCE_BYTES + sealed.length).put(nonce).put(sealed).array();
      return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(out);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM is not available", e);
    }
  }

  /**
   * Opens what {@link #seal} sealed for {@code uid}.
   *
   * @throws IllegalArgumentException when it was sealed with another key or for another server, or is damaged
   */
  public Credentials open(UUID uid, String sealed) {
    if (sealed == null || !sealed.startsWith(PREFIX)) {
      throw new IllegalArgumentException("the stored BMC credentials are not in a known format");
    }
    try {
      byte[] in = Base64.getUrlDecoder().decode(sealed.substring(PREFIX.length()));
      Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
      c.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, in, 0, NONCE_BYTES));
      c.updateAAD(aad(uid));
      ByteBuffer plain = ByteBuffer.wrap(c.doFinal(in, NONCE_BYTES, in.length - NONCE_BYTES));
      byte[] user = new byte[plain.getInt()];
      plain.get(user);
      byte[] pass = new byte[plain.remaining()];
      plain.get(pass);
      return new Credentials(new String(user, StandardCharsets.UTF_8), new String(pass, StandardCharsets.UTF_8));
    } catch (GeneralSecurityException | RuntimeException e) {
      throw new IllegalArgumentException(
          "the stored BMC credentials cannot be opened with the configured servers.credentialKey "
              + "(was the key changed?); register the server's credentials again");
    }
  }

  private static byte[] aad(UUID uid) {
    return ByteBuffer.allocate(16).putLong(uid.getMostSignificantBits()).putLong(uid.getLeastSignificantBits())
        .array();
  }
}
