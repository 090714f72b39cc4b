/**
 * Writes a small JMeter test plan in the structure JMeter 5.x saves, so that the YAML and
 * Taurus converters describe their load in JMeter's terms and share the `.jmx` converter
 * (one set of semantics, one set of notes).
 */

/** An element to write: its tag/test class, name, properties (already XML), children. */
export interface JmxNode {
  readonly testclass: string;
  readonly name: string;
  readonly props: readonly string[];
  readonly children?: readonly JmxNode[];
}

/** XML-escapes text or an attribute value. */
export function xmlEscape(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&apos;");
}

/** `<stringProp name="...">value</stringProp>`. */
export function stringProp(name: string, value: string | number | boolean): string {
  return `<stringProp name="${xmlEscape(name)}">${xmlEscape(String(value))}</stringProp>`;
}

/** `<boolProp name="...">true|false</boolProp>`. */
export function boolProp(name: string, value: boolean): string {
  return `<boolProp name="${xmlEscape(name)}">${value}</boolProp>`;
}

/** The Thread Group's main LoopController. */
export function loopControllerProp(loops: string | number): string {
  return `<elementProp name="ThreadGroup.main_controller" elementType="LoopController" guiclass="LoopControlPanel" testclass="LoopController" testname="Loop Controller">${boolProp("LoopController.continue_forever", false)}${stringProp("LoopController.loops", loops)}</elementProp>`;
}

/** Test Plan User Defined Variables. */
export function userDefinedVariablesProp(vars: Readonly<Record<string, string | number>>): string {
  const args = Object.entries(vars)
    .map(
      ([k, v]) =>
        `<elementProp name="${xmlEscape(k)}" elementType="Argument">${stringProp("Argument.name", k)}${stringProp("Argument.value", v)}${stringProp("Argument.metadata", "=")}</elementProp>`,
    )
    .join("");
  return `<elementProp name="TestPlan.user_defined_variables" elementType="Arguments" guiclass="ArgumentsPanel" testclass="Arguments" testname="User Defined Variables"><collectionProp name="Arguments.arguments">${args}</collectionProp></elementProp>`;
}

/** A Throughput Shaping Timer's `load_profile` rows (start RPS, end RPS, duration s). */
export function loadProfileProp(rows: ReadonlyArray<readonly [number | string, number | string, number | string]>): string {
  const body = rows
    .map(
      (r, i) =>
        `<collectionProp name="row${i}">${stringProp(`start_rps_${i}`, r[0])}${stringProp(`end_rps_${i}`, r[1])}${stringProp(`duration_sec_${i}`, r[2])}</collectionProp>`,
    )
    .join("");
  return `<collectionProp name="load_profile">${body}</collectionProp>`;
}

function writeNode(n: JmxNode): string {
  const attrs = `testclass="${xmlEscape(n.testclass)}" testname="${xmlEscape(n.name)}"`;
  const children = (n.children ?? []).map(writeNode).join("");
  return `<${n.testclass} ${attrs}>${n.props.join("")}</${n.testclass}><hashTree>${children}</hashTree>`;
}

/** The whole `.jmx` text: prolog, `jmeterTestPlan`, the Test Plan and its children in `hashTree` nesting. */
export function writeJmx(plan: JmxNode): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<jmeterTestPlan version="1.2" properties="5.0" jmeter="5.6.3"><hashTree>${writeNode(plan)}</hashTree></jmeterTestPlan>\n`;
}
