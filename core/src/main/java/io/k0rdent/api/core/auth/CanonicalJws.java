package io.k0rdent.api.core.auth;

import com.nimbusds.jose.jwk.Curve;
import java.math.BigInteger;
import java.util.Arrays;
import java.util.Base64;

/**
 * The one acceptable spelling of an ES256 access token, so that a token has exactly one string form.
 *
 * <p>nimbus-jose-jwt (10.5) verifies more spellings than the one we issue: its base64url decoder skips
 * characters outside the alphabet (spaces, tabs, newlines, {@code *}, {@code %}, non-ASCII), accepts
 * {@code =} padding and the standard alphabet's {@code +}/{@code /}, ignores non-zero unused trailing
 * bits, and the JCA accepts an ECDSA signature with its high S ({@code n - s}, as valid mathematically
 * as {@code s}). None of that lets anyone forge a token, but each turns one token into many strings that
 * all verify: anything keyed by the token string (the verify-once cache, a gateway's deny list, a log
 * search for a leaked token) can be sidestepped. So {@link AccessTokenVerifier} first requires
 * {@link #isCanonical} and {@link AccessTokenIssuer} signs with {@link #lowS}.
 */
final class CanonicalJws {

  /** The order of P-256's base point. */
  static final BigInteger N = Curve.P_256.toECParameterSpec().getOrder();
  private static final BigInteger HALF_N = N.shiftRight(1);
  /** An ES256 signature, R || S: 64 bytes, 86 base64url characters. */
  private static final int SIGNATURE_BYTES = 64;
  private static final int SIGNATURE_CHARS = 86;

  private CanonicalJws() {}

  /**
   * Whether {@code token} is a compact JWS of three non-empty parts, each strictly canonical base64url
   * (RFC 7515 §2: alphabet {@code A-Z a-z 0-9 - _}, no padding, unused trailing bits zero), whose
   * signature is exactly 64 bytes R || S with {@code 1 ≤ R < n} and {@code 1 ≤ S ≤ n/2} (low S).
   */
  static boolean isCanonical(String token) {
    int first = token.indexOf('.');
    int second = first < 0 ? -1 : token.indexOf('.', first + 1);
    if (first <= 0 || second <= first + 1 || token.indexOf('.', second + 1) >= 0) {
      return false;
    }
    if (!canonicalBase64Url(token, 0, first) || !canonicalBase64Url(token, first + 1, second)
        || token.length() - second - 1 != SIGNATURE_CHARS || !canonicalBase64Url(token, second + 1, token.length())) {
      return false;
    }
    byte[] rs = Base64.getUrlDecoder().decode(token.substring(second + 1));
    BigInteger r = new BigInteger(1, Arrays.copyOfRange(rs, 0, 32));
    BigInteger s = new BigInteger(1, Arrays.copyOfRange(rs, 32, 64));
    return r.signum() > 0 && r.compareTo(N) < 0 && s.signum() > 0 && s.compareTo(HALF_N) <= 0;
  }

  /** The canonical form of an ES256 signature (base64url R || S): S replaced by {@code n - S} when above n/2. */
  static String lowS(String signature) {
    byte[] rs = Base64.getUrlDecoder().decode(signature);
    if (rs.length != SIGNATURE_BYTES) {
      throw new IllegalStateException("an ES256 signature is 64 bytes, not " + rs.length);
    }
    BigInteger s = new BigInteger(1, Arrays.copyOfRange(rs, 32, 64));
    if (s.compareTo(HALF_N) <= 0) {
      return signature;
    }
    byte[] low = N.subtract(s).toByteArray(); // < n/2: at most 32 bytes, no sign byte needed
    Arrays.fill(rs, 32, 64, (byte) 0);
    int len = Math.min(low.length, 32);
    System.arraycopy(low, low.length - len, rs, 64 - len, len);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(rs);
  }

  /** {@code s[from, to)} is non-empty, in the base64url alphabet, unpadded, with zero unused bits. */
  private static boolean canonicalBase64Url(String s, int from, int to) {
    int len = to - from;
    if (len == 0 || len % 4 == 1) {
      return false;
    }
    int last = 0;
    for (int i = from; i < to; i++) {
      last = value(s.charAt(i));
      if (last < 0) {
        return false;
      }
    }
    // The last character of a 2- or 3-character group carries 4 or 2 unused bits, which must be zero.
    return switch (len % 4) {
      case 2 -> (last & 0x0f) == 0;
      case 3 -> (last & 0x03) == 0;
      default -> true;
    };
  }

  private static int value(char c) {
    if (c >= 'A' && c <= 'Z') {
      return c - 'A';
    }
    if (c >= 'a' && c <= 'z') {
      return c - 'a' + 26;
    }
    if (c >= '0' && c <= '9') {
      return c - '0' + 52;
    }
    return c == '-' ? 62 : c == '_' ? 63 : -1;
  }
}
