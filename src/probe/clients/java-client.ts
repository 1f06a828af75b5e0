/**
 * The Java client of the `java` profiles, written to the run's folder and
 * compiled with javac once per run (a JVM compiling the source on every case
 * would double each run's time). One GET with java.net.http.HttpClient; exit
 * 0 on HTTP 200, 1 with the exception chain on stderr otherwise.
 * `-Dprobe.revocation=true` turns on the JDK's revocation checking (it is off
 * by default): PKIX revocation, OCSP, CRL distribution points, and the
 * status_request extension for staples.
 */
export const JAVA_CLIENT_CLASS = 'ProbeClient';

export const JAVA_CLIENT_SOURCE = `import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.Security;
import java.time.Duration;

public class ProbeClient {
  public static void main(String[] args) {
    if (Boolean.getBoolean("probe.revocation")) {
      Security.setProperty("ocsp.enable", "true");
      System.setProperty("com.sun.net.ssl.checkRevocation", "true");
      System.setProperty("com.sun.security.enableCRLDP", "true");
      System.setProperty("jdk.tls.client.enableStatusRequestExtension", "true");
    }
    try {
      HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();
      HttpRequest request = HttpRequest.newBuilder(URI.create(args[0])).timeout(Duration.ofSeconds(15)).build();
      HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != 200) {
        System.err.println("HTTP status " + response.statusCode());
        System.exit(1);
      }
      System.exit(0);
    } catch (Throwable t) {
      for (Throwable c = t; c != null; c = c.getCause()) System.err.println(c);
      System.exit(1);
    }
  }
}
`;
