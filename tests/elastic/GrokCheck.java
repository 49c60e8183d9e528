/*
 * Runs Elasticsearch's own grok library (lib/elasticsearch-grok-*.jar of
 * the engine, with joni and jcodings) on lines, the way the grok ingest
 * processor does with ecs_compatibility "disabled" (the 8.x default): the
 * patterns in order, the first that matches gives the captures.
 *
 *   java -cp 'ENGINE/lib/*' tests/elastic/GrokCheck.java < requests
 *
 * Input, one item a line, tab-separated:
 *   DEF <name> <regex>      a pattern_definitions entry
 *   PAT <pattern>           a pattern, in the pipeline's order
 *   LINE <id> <text>        a line to match
 * Output per LINE: "<id>\t<index of the matching pattern or -1>" then one
 * "\t<field>\t<value>" line per capture, then "END".
 * tests/elastic/grok.py writes the requests and reads the answers.
 */

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.elasticsearch.grok.Grok;
import org.elasticsearch.grok.GrokBuiltinPatterns;
import org.elasticsearch.grok.MatcherWatchdog;
import org.elasticsearch.grok.PatternBank;

public class GrokCheck {
	public static void main(String[] args) throws Exception {
		BufferedReader in = new BufferedReader(new InputStreamReader(System.in,
		    StandardCharsets.UTF_8));
		Map<String, String> defs = new LinkedHashMap<>();
		List<String> patterns = new ArrayList<>();
		List<Grok> groks = null;
		String l;
		while ((l = in.readLine()) != null) {
			String[] f = l.split("\t", 3);
			switch (f[0]) {
			case "DEF":
				defs.put(f[1], f[2]);
				break;
			case "PAT":
				patterns.add(l.substring(4));
				break;
			case "LINE":
				if (groks == null) {
					PatternBank bank = GrokBuiltinPatterns.get(false).extendWith(defs);
					groks = new ArrayList<>();
					for (String p : patterns)
						groks.add(new Grok(bank, p, MatcherWatchdog.noop(),
						    msg -> System.err.println("grok: " + msg)));
				}
				int hit = -1;
				Map<String, Object> caps = null;
				for (int i = 0; i < groks.size() && hit < 0; i++) {
					caps = groks.get(i).captures(f[2]);
					if (caps != null)
						hit = i;
				}
				System.out.println(f[1] + "\t" + hit);
				if (caps != null)
					for (Map.Entry<String, Object> e : new TreeMap<>(caps).entrySet())
						if (e.getValue() != null)
							System.out.println("\t" + e.getKey() + "\t" + e.getValue());
				System.out.println("END");
				break;
			default:
				throw new IllegalArgumentException("bad request line: " + l);
			}
		}
	}
}
