/**
 * Reads a JMeter test plan as JMeter 5.x saves it into a tree of elements with their
 * properties, in document order, and evaluates the expressions the load settings use.
 *
 * The saved structure (JMeter's SaveService, file version 1.2, properties 5.0): the root
 * `<jmeterTestPlan>` holds one `<hashTree>`; in every `<hashTree>` an element is followed by
 * its own sibling `<hashTree>` holding its children. An element's properties are
 * `stringProp`/`intProp`/`longProp`/`boolProp` (value as text), `doubleProp`/`floatProp`
 * (`<name>` and `<value>` children), `elementProp` (a nested element) and `collectionProp`
 * (a list). A disabled element carries `enabled="false"`.
 */
import { XMLParser, XMLValidator } from "fast-xml-parser";
import type { ConversionNote } from "./types";
import { PlanConversionError } from "./types";

/** A property value: text, a nested element's properties, or a list. */
export type JmxProp =
  | { readonly kind: "scalar"; readonly value: string }
  | { readonly kind: "element"; readonly elementType?: string; readonly props: ReadonlyMap<string, JmxProp> }
  | { readonly kind: "collection"; readonly items: readonly JmxProp[]; readonly names: readonly string[] };

/** One element of the test plan tree. */
export interface JmxElement {
  /** The XML tag, e.g. `ThreadGroup` or `com.blazemeter.jmeter.threads.concurrency.ConcurrencyThreadGroup`. */
  readonly tag: string;
  /** `testclass`, or the tag when absent. */
  readonly testclass: string;
  /** `testname`, or the test class. */
  readonly name: string;
  readonly enabled: boolean;
  readonly props: ReadonlyMap<string, JmxProp>;
  readonly children: readonly JmxElement[];
  /** Breadcrumb for notes, from below the Test Plan: `Users (ThreadGroup) > Post message (HTTPSamplerProxy)`. */
  readonly path: string;
}

type Node = Record<string, unknown>;
const ATTRS = ":@";

function tagOf(node: Node): string | undefined {
  return Object.keys(node).find((k) => k !== ATTRS);
}
function kids(node: Node): Node[] {
  const tag = tagOf(node);
  const value = tag ? node[tag] : undefined;
  return Array.isArray(value) ? (value as Node[]) : [];
}
function attrs(node: Node): Record<string, string> {
  return (node[ATTRS] as Record<string, string> | undefined) ?? {};
}
function text(node: Node): string {
  return kids(node)
    .map((k) => (typeof k["#text"] === "string" || typeof k["#text"] === "number" ? String(k["#text"]) : ""))
    .join("");
}
function childText(node: Node, tag: string): string | undefined {
  const child = kids(node).find((k) => tagOf(k) === tag);
  return child ? text(child) : undefined;
}

const PROP_TAGS = new Set([
  "stringProp",
  "intProp",
  "longProp",
  "boolProp",
  "doubleProp",
  "floatProp",
  "elementProp",
  "collectionProp",
  "objProp",
  "mapProp",
]);

/** A property node's name and value, or undefined for a node that is not a property. */
function readProp(node: Node): [string, JmxProp] | undefined {
  const tag = tagOf(node);
  if (!tag || !PROP_TAGS.has(tag)) return undefined;
  const a = attrs(node);
  switch (tag) {
    case "doubleProp":
    case "floatProp":
      return [childText(node, "name") ?? a.name ?? "", { kind: "scalar", value: (childText(node, "value") ?? "").trim() }];
    case "elementProp":
      return [a.name ?? "", { kind: "element", elementType: a.elementType, props: readProps(kids(node)) }];
    case "collectionProp": {
      const items: JmxProp[] = [];
      const names: string[] = [];
      for (const k of kids(node)) {
        const p = readProp(k);
        if (p) {
          names.push(p[0]);
          items.push(p[1]);
        }
      }
      return [a.name ?? "", { kind: "collection", items, names }];
    }
    case "objProp":
    case "mapProp":
      return [childText(node, "name") ?? a.name ?? "", { kind: "scalar", value: "" }];
    default:
      return [a.name ?? "", { kind: "scalar", value: text(node) }];
  }
}

function readProps(nodes: Node[]): Map<string, JmxProp> {
  const props = new Map<string, JmxProp>();
  for (const n of nodes) {
    const p = readProp(n);
    if (p) props.set(p[0], p[1]);
  }
  return props;
}

function readHashTree(all: Node[], parentPath: string): JmxElement[] {
  const out: JmxElement[] = [];
  const nodes = all.filter((n) => tagOf(n) !== "#text" && tagOf(n) !== "#comment");
  for (let i = 0; i < nodes.length; i++) {
    const node = nodes[i];
    const tag = tagOf(node);
    if (!tag || tag === "hashTree" || tag === "#text") continue;
    const a = attrs(node);
    const testclass = a.testclass ?? tag;
    const name = a.testname ?? testclass;
    const shortClass = testclass.split(".").pop() ?? testclass;
    const path = parentPath ? `${parentPath} > ${name} (${shortClass})` : `${name} (${shortClass})`;
    const next = nodes[i + 1];
    let childNodes: Node[] = [];
    if (next && tagOf(next) === "hashTree") {
      childNodes = kids(next);
      i++;
    }
    // The Test Plan is the root of every path: its children's paths start at themselves.
    const childPath = testclass === "TestPlan" ? "" : path;
    out.push({
      tag,
      testclass,
      name,
      enabled: a.enabled !== "false",
      props: readProps(kids(node)),
      children: readHashTree(childNodes, childPath),
      path,
    });
  }
  return out;
}

/** Parses the XML of a `.jmx` file into its Test Plan element. Throws {@link PlanConversionError} on anything else. */
export function parseJmx(xml: string): JmxElement {
  const valid = XMLValidator.validate(xml);
  if (valid !== true) {
    throw new PlanConversionError(
      `not well-formed XML at line ${valid.err.line}, column ${valid.err.col}: ${valid.err.msg}; save the plan again from JMeter`,
    );
  }
  const parser = new XMLParser({
    preserveOrder: true,
    ignoreAttributes: false,
    attributeNamePrefix: "",
    parseTagValue: false,
    parseAttributeValue: false,
    trimValues: true,
    processEntities: true,
    htmlEntities: true,
  });
  const doc = parser.parse(xml) as Node[];
  const root = doc.find((n) => tagOf(n) === "jmeterTestPlan");
  if (!root) throw new PlanConversionError("no <jmeterTestPlan> root element: this is not a JMeter test plan (.jmx) as JMeter saves it");
  const top = kids(root).find((n) => tagOf(n) === "hashTree");
  const elements = top ? readHashTree(kids(top), "") : [];
  const plan = elements.find((e) => e.testclass === "TestPlan");
  if (!plan) throw new PlanConversionError("the <jmeterTestPlan> holds no TestPlan element: save the plan again from JMeter");
  return plan;
}

/** The text of a scalar property, or undefined. */
export function propText(el: { props: ReadonlyMap<string, JmxProp> }, name: string): string | undefined {
  const p = el.props.get(name);
  return p?.kind === "scalar" ? p.value : undefined;
}

/**
 * Evaluates `${...}` in property values: `${__P(name,default)}` and `${__property(name,var,default)}`
 * from the given properties (JMeter's `-J`), `${name}` from the User Defined Variables; nested
 * references are evaluated from the inside out. Each default that was used is noted once.
 */
export class JmxExpressions {
  private readonly vars = new Map<string, string>();
  private readonly noted = new Set<string>();

  constructor(
    private readonly properties: Readonly<Record<string, string>>,
    private readonly notes: ConversionNote[],
  ) {}

  /** Adds the variables of an `Arguments` property or element (`Arguments.arguments`), evaluated in order. */
  addVariables(args: JmxProp | undefined, where: string): void {
    if (args?.kind !== "element") return;
    const list = args.props.get("Arguments.arguments");
    if (list?.kind !== "collection") return;
    for (const item of list.items) {
      if (item.kind !== "element") continue;
      const name = propText(item, "Argument.name");
      const value = propText(item, "Argument.value");
      if (name) this.vars.set(name, this.tryEval(value ?? "", `${where} variable ${name}`));
    }
  }

  /** The value with every reference it can evaluate replaced; unknown ones are kept as written. */
  tryEval(value: string, where: string): string {
    let out = value;
    for (let i = 0; i < 20; i++) {
      let changed = false;
      out = out.replace(/\$\{([^${}]*)\}/g, (whole, inner: string) => {
        const r = this.evalOne(inner, where);
        if (r === undefined) return whole.replace("${", "\uE000{"); // keep, but stop matching it
        changed = true;
        return r;
      });
      if (!changed) break;
    }
    return out.replace(/\uE000\{/g, "${");
  }

  private evalOne(inner: string, where: string): string | undefined {
    const fn = /^__(P|property)\((.*)\)$/s.exec(inner.trim());
    if (fn) {
      const args = splitArgs(fn[2]);
      const name = args[0]?.trim() ?? "";
      const fallback = fn[1] === "P" ? (args[1] ?? "1") : (args[2] ?? name);
      if (Object.prototype.hasOwnProperty.call(this.properties, name)) return this.properties[name];
      const key = `${name}=${fallback}`;
      if (!this.noted.has(key)) {
        this.noted.add(key);
        const implicit =
          fn[1] === "P" && args[1] === undefined
            ? " (JMeter's implicit default for __P without one)"
            : fn[1] === "property" && args[2] === undefined
              ? " (no default: __property returns the name)"
              : "";
        this.notes.push({
          level: "assumption",
          element: where,
          message: `property \`${name}\` not given: used its default ${JSON.stringify(fallback)}${implicit}; override with properties.${name} (JMeter: -J${name}=...)`,
        });
      }
      return fallback;
    }
    if (/^[A-Za-z_][\w.-]*$/.test(inner) && this.vars.has(inner)) return this.vars.get(inner);
    return undefined;
  }

  /** A number from a property value (after evaluation); throws naming the element, the property and the fix. */
  num(el: JmxElement, prop: string, fallback?: number): number {
    const raw = propText(el, prop);
    if (raw === undefined || raw.trim() === "") {
      if (fallback !== undefined) return fallback;
      throw new PlanConversionError(`property ${prop} is missing: set it in JMeter and save the plan again`, el.path);
    }
    const v = this.tryEval(raw, el.path).trim();
    const n = Number(v);
    if (v === "" || !Number.isFinite(n)) {
      throw new PlanConversionError(
        `${prop} is ${JSON.stringify(raw)}${v !== raw ? ` (evaluated: ${JSON.stringify(v)})` : ""}, not a number: only \${__P(name,default)}, \${__property(name,,default)} and User Defined Variables can be evaluated; pass the value in \`properties\` or write the number in the plan`,
        el.path,
      );
    }
    return n;
  }

  /** Text of a property after evaluation, or undefined. */
  str(el: { props: ReadonlyMap<string, JmxProp> }, prop: string, where: string): string | undefined {
    const raw = propText(el, prop);
    return raw === undefined ? undefined : this.tryEval(raw, where);
  }
}

/** Splits function arguments on commas not escaped with a backslash. */
function splitArgs(s: string): string[] {
  const out: string[] = [];
  let cur = "";
  for (let i = 0; i < s.length; i++) {
    if (s[i] === "\\" && s[i + 1] === ",") {
      cur += ",";
      i++;
    } else if (s[i] === ",") {
      out.push(cur);
      cur = "";
    } else cur += s[i];
  }
  out.push(cur);
  return out;
}
