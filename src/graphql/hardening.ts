import type { Plugin } from '@envelop/core';
import { blockFieldSuggestionsPlugin } from '@escape.tech/graphql-armor-block-field-suggestions';
import { maxAliasesPlugin } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthPlugin } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesPlugin } from '@escape.tech/graphql-armor-max-directives';
import { maxTokensPlugin } from '@escape.tech/graphql-armor-max-tokens';
import {
  getNamedType,
  GraphQLError,
  isInterfaceType,
  isObjectType,
  Kind,
  visit,
  type ASTVisitor,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLNamedType,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
  type ValueNode,
} from 'graphql';
import { MAX_PAGE_SIZE } from './pagination.ts';

/**
 * What one operation may ask for (docs/security.md C-01…C-04). Depth 7 is the deepest shape the
 * schema has a use for: a connection inside a connection's node
 * (`connections { edges { node { keys { edges { node { keyId } } } } } }`).
 */
export const OPERATION_LIMITS = {
  depth: 7,
  aliases: 15,
  tokens: 1000,
  directives: 50,
  /** Characters of the document. */
  documentSize: 15_000,
  /** Fields times the page sizes above them: connections cost by `first`/`last`. */
  cost: 5000,
  /** Times one field (response key) may be selected in one selection set (graphql-cop's field duplication). */
  fieldRepeats: 5,
  /** Validation errors reported for one document; the rest are summed up in one more (error amplification). */
  validationErrors: 5,
} as const;

/** What a client sees when a limit is hit with the limits hidden (production). */
export const GENERIC_LIMIT_MESSAGE = 'Query validation error.';

type Fragments = Map<string, FragmentDefinitionNode>;

/** The page size a connection field asks for; a variable counts as its default, or as the largest page. */
function pageSize(value: ValueNode | undefined, defaults: Map<string, ValueNode | undefined>): number {
  if (!value) return MAX_PAGE_SIZE;
  if (value.kind === Kind.INT) return Math.max(0, Math.min(Number(value.value), MAX_PAGE_SIZE));
  if (value.kind === Kind.VARIABLE) {
    const fallback = defaults.get(value.name.value);
    return fallback?.kind === Kind.INT ? Math.max(0, Math.min(Number(fallback.value), MAX_PAGE_SIZE)) : MAX_PAGE_SIZE;
  }
  return MAX_PAGE_SIZE;
}

/**
 * Each field costs 1 for every object it is resolved on: below a connection field (one with a
 * `first` argument) everything is paid once per node of the page it asks for, so
 * `first: 100` nested in `first: 100` costs 10,000 times its leaves.
 */
function costOf(
  set: SelectionSetNode,
  parent: GraphQLNamedType | undefined,
  multiplier: number,
  scope: { fragments: Fragments; defaults: Map<string, ValueNode | undefined>; visiting: Set<string>; schema: ValidationContext['getSchema'] },
  budget: number,
): number {
  let total = 0;
  for (const selection of set.selections) {
    if (total > budget) return total;
    if (selection.kind === Kind.FIELD) {
      total += multiplier;
      if (!selection.selectionSet) continue;
      const definition = parent && (isObjectType(parent) || isInterfaceType(parent)) ? parent.getFields()[selection.name.value] : undefined;
      const isConnection = definition?.args.some((arg) => arg.name === 'first') ?? false;
      const size = isConnection ? pageSize(selection.arguments?.find((a) => a.name.value === 'first' || a.name.value === 'last')?.value, scope.defaults) : 1;
      total += costOf(selection.selectionSet, definition ? getNamedType(definition.type) : undefined, multiplier * Math.max(size, 1), scope, budget - total);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      const typed = selection.typeCondition ? scope.schema().getType(selection.typeCondition.name.value) : parent;
      total += costOf(selection.selectionSet, typed ?? undefined, multiplier, scope, budget - total);
    } else {
      const name = selection.name.value;
      const fragment = scope.fragments.get(name);
      // A fragment cycle is its own validation error; here it just stops counting.
      if (!fragment || scope.visiting.has(name)) continue;
      scope.visiting.add(name);
      const typed = scope.schema().getType(fragment.typeCondition.name.value);
      total += costOf(fragment.selectionSet, typed ?? undefined, multiplier, scope, budget - total);
      scope.visiting.delete(name);
    }
  }
  return total;
}

/** The validation rule: an operation over `maxCost` is refused before anything runs. */
function connectionCostRule(maxCost: number, exposeLimits: boolean) {
  return (context: ValidationContext): ASTVisitor => ({
    OperationDefinition(operation: OperationDefinitionNode) {
      const fragments: Fragments = new Map();
      for (const definition of context.getDocument().definitions) {
        if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
      }
      const defaults = new Map((operation.variableDefinitions ?? []).map((v) => [v.variable.name.value, v.defaultValue] as const));
      const schema = context.getSchema();
      const root =
        operation.operation === 'query' ? schema.getQueryType() : operation.operation === 'mutation' ? schema.getMutationType() : schema.getSubscriptionType();
      const cost = costOf(operation.selectionSet, root ?? undefined, 1, { fragments, defaults, visiting: new Set(), schema: () => schema }, maxCost);
      if (cost > maxCost) {
        context.reportError(new GraphQLError(exposeLimits ? `Query cost limit of ${maxCost} exceeded, found more than ${maxCost}.` : GENERIC_LIMIT_MESSAGE));
      }
    },
  });
}

/**
 * The operation limits as envelop plugins: they run wherever yoga's envelope parses and
 * validates, over HTTP, SSE and graphql-ws alike. `exposeLimits` (development) names the limit
 * that was hit; production answers only "Query validation error.". Field suggestions ("Did you
 * mean …?") are never shown.
 */
export function operationLimitPlugins(exposeLimits: boolean): Plugin[] {
  const common = { exposeLimits, errorMessage: GENERIC_LIMIT_MESSAGE };
  // Validation rules report like any rule (all errors of a document together) instead of throwing.
  const reported = {
    ...common,
    propagateOnRejection: false,
    onReject: [(context: ValidationContext | null, error: GraphQLError) => context?.reportError(error)],
  };
  return [
    documentSizePlugin(OPERATION_LIMITS.documentSize, exposeLimits),
    maxTokensPlugin({ n: OPERATION_LIMITS.tokens, ...common }),
    maxDepthPlugin({ n: OPERATION_LIMITS.depth, flattenFragments: true, ...reported }),
    maxAliasesPlugin({ n: OPERATION_LIMITS.aliases, allowList: [], ...reported }),
    maxDirectivesPlugin({ n: OPERATION_LIMITS.directives, ...reported }),
    { onValidate: ({ addValidationRule }) => addValidationRule(connectionCostRule(OPERATION_LIMITS.cost, exposeLimits)) },
    fieldRepeatsPlugin(OPERATION_LIMITS.fieldRepeats, exposeLimits),
    validationErrorCapPlugin(OPERATION_LIMITS.validationErrors),
    blockFieldSuggestionsPlugin({ mask: '' }),
  ] as Plugin[];
}

/** The most times one response key appears among the fields of any one selection set. */
function maxFieldRepeats(document: DocumentNode): number {
  let most = 0;
  visit(document, {
    SelectionSet(set) {
      const counts = new Map<string, number>();
      for (const selection of set.selections) {
        if (selection.kind !== Kind.FIELD) continue;
        const key = selection.alias?.value ?? selection.name.value;
        const count = (counts.get(key) ?? 0) + 1;
        counts.set(key, count);
        most = Math.max(most, count);
      }
    },
  });
  return most;
}

/**
 * A field repeated in one selection set (`{ __typename __typename … }` 500 times) is refused
 * before the validation rules run: graphql-js merges the copies, but checking that they can be
 * merged costs the square of their number.
 */
function fieldRepeatsPlugin(maxRepeats: number, exposeLimits: boolean): Plugin {
  // yoga's parser cache hands back the same document for the same text: count each once.
  const counted = new WeakMap<DocumentNode, number>();
  return {
    onValidate({ params, setResult }) {
      let repeats = counted.get(params.documentAST);
      if (repeats === undefined) {
        repeats = maxFieldRepeats(params.documentAST);
        counted.set(params.documentAST, repeats);
      }
      if (repeats > maxRepeats) {
        setResult([new GraphQLError(exposeLimits ? `Field repeat limit of ${maxRepeats} exceeded, found ${repeats}.` : GENERIC_LIMIT_MESSAGE)]);
      }
    },
  };
}

/** At most `max` validation errors are shown, and one more saying the rest were left out. */
function validationErrorCapPlugin(max: number): Plugin {
  return {
    onValidate:
      () =>
      ({ result, setResult }) => {
        if (result.length > max) {
          setResult([...result.slice(0, max), new GraphQLError(`Too many validation errors: ${result.length - max} more not shown.`)]);
        }
      },
  };
}

/** Documents longer than the limit are refused before they are parsed. */
function documentSizePlugin(maxCharacters: number, exposeLimits: boolean): Plugin {
  return {
    onParse({ params }) {
      const source = typeof params.source === 'string' ? params.source : params.source.body;
      if (source.length > maxCharacters) {
        throw new GraphQLError(exposeLimits ? `Query size limit of ${maxCharacters} characters exceeded, found ${source.length}.` : GENERIC_LIMIT_MESSAGE);
      }
    },
  };
}
