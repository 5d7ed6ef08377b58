package io.k0rdent.api.core.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.UUID;
import org.junit.jupiter.api.Test;

class CredentialCipherTest {

  private final CredentialCipher cipher = CredentialCipher.fromBase64(CredentialCipher.newKey());
  private final UUID uid = UUID.randomUUID();

  @Test
  void sealedCredentialsOpenForTheirServerOnly() {
    var creds = new CredentialCipher.Credentials("admin", "p@ss:wörd with spaces");
    String sealed = cipher.seal(uid, creds);
    assertTrue(sealed.startsWith("v1."));
    assertFalse(sealed.contains("admin") || sealed.contains("wörd"));
    assertEquals(creds, cipher.open(uid, sealed));
    assertNotEquals(sealed, cipher.seal(uid, creds), "a fresh nonce each time");
    assertThrows(IllegalArgumentException.class, () -> cipher.open(UUID.randomUUID(), sealed));
  }

  @Test
  void anotherKeyOrDamageDoesNotOpenAndSaysWhatToDo() {
    String sealed = cipher.seal(uid, new CredentialCipher.Credentials("u", "p"));
    CredentialCipher other = CredentialCipher.fromBase64(CredentialCipher.newKey());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> other.open(uid, sealed));
    assertTrue(e.getMessage().contains("servers.credentialKey"));
    // a character in the middle (the last one may carry only padding bits, which decoding ignores)
    int at = sealed.length() / 2;
    char c = sealed.charAt(at);
    String damaged = sealed.substring(0, at) + (c == 'A' ? 'B' : 'A') + sealed.substring(at + 1);
    assertThrows(IllegalArgumentException.class, () -> cipher.open(uid, damaged));
    assertThrows(IllegalArgumentException.class, () -> cipher.open(uid, "plain"));
    assertThrows(IllegalArgumentException.class, () -> cipher.open(uid, null));
  }

  @Test
  void keysMustBe32BytesAndPasswordsNeverPrint() {
    assertThrows(IllegalArgumentException.class, () -> CredentialCipher.fromBase64("c2hvcnQ"));
    assertThrows(IllegalArgumentException.class, () -> CredentialCipher.fromBase64("not base64 !!"));
    assertFalse(new CredentialCipher.Credentials("u", "secret-pass").toString().contains("secret-pass"));
  }
}
