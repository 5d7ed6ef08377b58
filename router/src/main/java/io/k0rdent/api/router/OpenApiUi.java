package io.k0rdent.api.router;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.StaticHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * Serves a face's OpenAPI document at {@code /openapi.json} and Swagger UI at {@code /docs}, from the
 * {@code org.webjars:swagger-ui} jar on the class path (nothing from a CDN).
 */
public final class OpenApiUi {

  private static final String INDEX = """
      <!doctype html>
      <html lang="en"><head><meta charset="utf-8"><title>k0rdent AI API</title>
      <link rel="stylesheet" href="/docs/swagger-ui.css"></head>
      <body><div id="swagger-ui"></div>
      <script src="/docs/swagger-ui-bundle.js"></script>
      <script>window.ui = SwaggerUIBundle({url: '/openapi.json', dom_id: '#swagger-ui'});</script>
      </body></html>
      """;

  private OpenApiUi() {}

  /** The version of the swagger-ui webjar this build bundles. */
  static String swaggerUiVersion() {
    try (InputStream in = OpenApiUi.class.getResourceAsStream("/k0rdent-build.properties")) {
      Properties p = new Properties();
      p.load(in);
      return p.getProperty("swaggerUiVersion");
    } catch (IOException | NullPointerException e) {
      throw new IllegalStateException("k0rdent-build.properties is missing", e);
    }
  }

  static void mount(Router router, byte[] document, String version) {
    Buffer doc = Buffer.buffer(document);
    Buffer index = Buffer.buffer(INDEX);
    router.route("/openapi.json").method(HttpMethod.GET).method(HttpMethod.HEAD).handler(ctx -> ctx.response()
        .putHeader("Content-Type", "application/json").end(doc));
    // Vert.x matches "/docs" and "/docs/" alike: redirect the bare form so relative links resolve.
    router.route("/docs").method(HttpMethod.GET).method(HttpMethod.HEAD).handler(ctx -> {
      if (ctx.request().path().endsWith("/")) {
        ctx.response().putHeader("Content-Type", "text/html; charset=utf-8").end(index);
      } else {
        ctx.redirect("/docs/");
      }
    });
    router.route("/docs/*").method(HttpMethod.GET).method(HttpMethod.HEAD).handler(StaticHandler.create("META-INF/resources/webjars/swagger-ui/" + swaggerUiVersion())
        .setCachingEnabled(true).setDirectoryListing(false));
  }

  /** The product version recorded at build time. */
  public static String productVersion() {
    try (InputStream in = OpenApiUi.class.getResourceAsStream("/k0rdent-build.properties")) {
      Properties p = new Properties();
      p.load(in);
      return p.getProperty("version");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
