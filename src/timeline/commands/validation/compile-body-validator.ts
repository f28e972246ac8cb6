import { defaultMetadataStorage } from 'class-transformer/cjs/storage';
import { TransformationType } from 'class-transformer';
import {
  getMetadataStorage,
  ValidationTypes,
  type MetadataStorage,
  type ValidationArguments,
  type ValidatorConstraintInterface,
} from 'class-validator';
import { ValidationUtils } from 'class-validator/cjs/validation/ValidationUtils';

// What validateBody's reflective path does per body (plainToInstance, then validateSync's
// ValidationExecutor) is decided by metadata that never changes after the classes load: which
// properties a class has, their constraints, their @Type. This module reads that metadata once per
// class and keeps it as plans, so that a body is checked by walking the plans: no metadata
// lookups, filters or instances per request. The constraints themselves (class-validator's and
// ours) run as registered: their own validate and defaultMessage are called.
//
// The walk mirrors ValidationExecutor with the options validateBody passes (whitelist,
// forbidNonWhitelisted, forbidUnknownValues, no groups, synchronous): it builds the same error
// tree, minus the nodes stripEmptyErrors would remove, so one flattening serves both paths.
// One difference no rule here can see: a constraint's ValidationArguments.object is the body's
// plain copy rather than an instance of the class (targetName is still the class's name).

type ValidationMetadata = ReturnType<MetadataStorage['getTargetValidationMetadatas']>[number];
type Constructor = abstract new (...args: never[]) => object;

/** The fields of class-validator's ValidationError that flattening reads. */
export interface ValidationErrorTree {
  property: string;
  constraints?: Record<string, string>;
  children?: ValidationErrorTree[];
}

interface ValidatorPlan {
  /** The constraint's name, else the metadata's type: the key of its message. */
  type: string;
  instance: ValidatorConstraintInterface;
}

interface ConstraintPlan {
  metadata: ValidationMetadata;
  validators: ValidatorPlan[];
}

interface PropertyPlan {
  name: string;
  conditions: ValidationMetadata[];
  defined: ConstraintPlan[];
  custom: ConstraintPlan[];
  nested: ValidationMetadata[];
  /** The class class-transformer gives objects under this property (at any array depth). */
  objectClass: ClassPlan;
}

interface ClassPlan {
  targetName: string;
  /** False when class-validator finds no rules for the class (forbidUnknownValues rejects it). */
  known: boolean;
  allowed: Set<string>;
  properties: PropertyPlan[];
}

/** Why a class cannot be compiled faithfully; validateBody then keeps the reflective path. */
export class UncompilableClassError extends Error {}

const SUPPORTED_TYPES = new Set<string>([
  ValidationTypes.IS_DEFINED,
  ValidationTypes.CUSTOM_VALIDATION,
  ValidationTypes.NESTED_VALIDATION,
  ValidationTypes.CONDITIONAL_VALIDATION,
  ValidationTypes.WHITELIST,
]);

// Targets class-transformer converts values to (String(value), new Date(value)…) rather than
// instantiating: the walk would have to convert too.
const CONVERTED_TYPES = new Set<unknown>([String, Number, Boolean, Date, Map, Set, Array]);
if (typeof Buffer !== 'undefined') CONVERTED_TYPES.add(Buffer);

function hasStringTargets(storage: MetadataStorage): boolean {
  // Schema-registered rules (registerSchema) match by name rather than class; they would make a
  // nested class's rules depend on its parent, which the plans do not model.
  const byTarget = (storage as unknown as { validationMetadatas?: Map<unknown, unknown> })
    .validationMetadatas;
  if (!(byTarget instanceof Map)) return true;
  for (const target of byTarget.keys()) if (typeof target === 'string') return true;
  return false;
}

class Compiler {
  private readonly storage = getMetadataStorage();
  private readonly plans = new Map<Constructor, ClassPlan>();
  private readonly plainPlan: ClassPlan;

  constructor() {
    if (hasStringTargets(this.storage))
      throw new UncompilableClassError('schema-based rules are registered');
    this.plainPlan = this.classPlan(Object);
  }

  classPlan(cls: Constructor): ClassPlan {
    const existing = this.plans.get(cls);
    if (existing) return existing;
    // Exactly the query ValidationExecutor.execute makes (no groups, always false, not strict).
    const metadatas = this.storage.getTargetValidationMetadatas(
      cls,
      undefined as unknown as string,
      false,
      false,
      undefined,
    );
    const grouped = this.storage.groupByPropertyName(metadatas);
    const plan: ClassPlan = {
      targetName: cls.name,
      known: metadatas.length > 0,
      allowed: new Set(Object.keys(grouped).filter((name) => grouped[name]!.length > 0)),
      properties: [],
    };
    this.plans.set(cls, plan);
    if (cls === Object) return plan;
    this.checkTransformable(cls);
    for (const [name, list] of Object.entries(grouped)) {
      plan.properties.push(this.propertyPlan(cls, name, list));
    }
    return plan;
  }

  private checkTransformable(cls: Constructor): void {
    if (defaultMetadataStorage.getStrategy(cls) !== 'none')
      throw new UncompilableClassError(`${cls.name} has an @Expose/@Exclude strategy`);
    if (
      defaultMetadataStorage.getExposedMetadatas(cls).length > 0 ||
      defaultMetadataStorage.getExcludedMetadatas(cls).length > 0
    )
      throw new UncompilableClassError(`${cls.name} has @Expose or @Exclude properties`);
    // plainToInstance starts from `new cls()`: initialised fields would add keys to the body.
    const instance = new (cls as unknown as new () => object)();
    if (Object.keys(instance).length > 0)
      throw new UncompilableClassError(`${cls.name} initialises fields`);
  }

  private propertyPlan(cls: Constructor, name: string, list: ValidationMetadata[]): PropertyPlan {
    if (name in cls.prototype)
      throw new UncompilableClassError(`${cls.name}.${name} is inherited from a prototype`);
    if (
      defaultMetadataStorage.findTransformMetadatas(cls, name, TransformationType.PLAIN_TO_CLASS)
        .length > 0
    )
      throw new UncompilableClassError(`${cls.name}.${name} has @Transform`);
    const plan: PropertyPlan = {
      name,
      conditions: [],
      defined: [],
      custom: [],
      nested: [],
      objectClass: this.plainPlan,
    };
    for (const metadata of list) {
      if (!SUPPORTED_TYPES.has(metadata.type))
        throw new UncompilableClassError(`${cls.name}.${name} uses ${metadata.type}`);
      if (metadata.type === ValidationTypes.CONDITIONAL_VALIDATION) plan.conditions.push(metadata);
      else if (metadata.type === ValidationTypes.NESTED_VALIDATION) plan.nested.push(metadata);
      else if (metadata.type === ValidationTypes.IS_DEFINED) plan.defined.push(this.rule(metadata));
      else if (metadata.type === ValidationTypes.CUSTOM_VALIDATION)
        plan.custom.push(this.rule(metadata));
    }
    const type = defaultMetadataStorage.findTypeMetadata(cls, name);
    if (type) {
      if (type.options?.discriminator)
        throw new UncompilableClassError(`${cls.name}.${name} has a discriminator`);
      if (type.reflectedType === Map)
        throw new UncompilableClassError(`${cls.name}.${name} is a Map`);
      // Resolved lazily by class-transformer too; the classes are all loaded by now.
      const target: unknown = type.typeFunction
        ? type.typeFunction({ newObject: {}, object: {}, property: name })
        : type.reflectedType;
      if (typeof target !== 'function' || CONVERTED_TYPES.has(target))
        throw new UncompilableClassError(`${cls.name}.${name} converts its value`);
      if (target !== Object) plan.objectClass = this.classPlan(target as Constructor);
    }
    return plan;
  }

  private rule(metadata: ValidationMetadata): ConstraintPlan {
    const validators = this.storage
      .getTargetValidatorConstraints(metadata.constraintCls)
      // validateSync skips asynchronous constraints.
      .filter((validator) => !validator.async)
      .map((validator) => ({
        type: validator.name ? validator.name : metadata.type,
        // The executor asks class-validator's container on every call (a linear search of every
        // constraint class registered); the service sets no other container, so it always
        // answers this one instance.
        instance: validator.instance,
      }));
    return { metadata, validators };
  }
}

function argumentsOf(
  targetName: string,
  metadata: ValidationMetadata,
  object: object,
  value: unknown,
): ValidationArguments {
  return {
    targetName,
    property: metadata.propertyName,
    object,
    value,
    constraints: metadata.constraints,
  };
}

/** The message ValidationExecutor.createValidationError would give. */
function messageOf(
  targetName: string,
  metadata: ValidationMetadata,
  object: object,
  value: unknown,
  validator?: ValidatorPlan,
): string {
  const args = argumentsOf(targetName, metadata, object, value);
  let message: ValidationMetadata['message'] = metadata.message || '';
  if (!metadata.message && validator && validator.instance.defaultMessage instanceof Function)
    message = validator.instance.defaultMessage(args);
  return ValidationUtils.replaceMessageSpecialTokens(message, args);
}

function isValid(result: unknown): boolean {
  // validateSync never awaits: a promise answers later, after the errors were returned.
  return result instanceof Promise || Boolean(result);
}

/** Runs one property's constraints, in ValidationExecutor.customValidations' order. */
function runRules(
  rules: readonly ConstraintPlan[],
  targetName: string,
  object: object,
  value: unknown,
  failed: Record<string, string> | undefined,
): Record<string, string> | undefined {
  for (let r = 0; r < rules.length; r++) {
    const { metadata, validators } = rules[r]!;
    if (metadata.validateIf && !metadata.validateIf(object, value)) continue;
    for (let v = 0; v < validators.length; v++) {
      const validator = validators[v]!;
      const args = argumentsOf(targetName, metadata, object, value);
      let valid: boolean;
      if (!metadata.each || !Array.isArray(value)) {
        valid = isValid(validator.instance.validate(value, args));
      } else {
        const results: unknown[] = value.map((item) => validator.instance.validate(item, args));
        valid = results.some((r) => r instanceof Promise) || results.every(Boolean);
      }
      if (!valid) {
        (failed ??= {})[validator.type] = messageOf(targetName, metadata, object, value, validator);
      }
    }
  }
  return failed;
}

function keep(node: ValidationErrorTree, into: ValidationErrorTree[]): void {
  if (node.constraints !== undefined || (node.children !== undefined && node.children.length > 0))
    into.push(node);
}

/** ValidationExecutor.nestedValidations: arrays item by item, objects by their class, else an error. */
function validateNested(
  nested: readonly ValidationMetadata[],
  objectClass: ClassPlan,
  value: unknown,
  node: ValidationErrorTree,
): void {
  if (value === undefined) return;
  for (const metadata of nested) {
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        const item: ValidationErrorTree = { property: String(i) };
        validateNested(nested, objectClass, value[i], item);
        keep(item, (node.children ??= []));
      }
    } else if (value instanceof Object) {
      validateObject(objectClass, value as Record<string, unknown>, (node.children ??= []));
    } else {
      // The executor names the declaring class as the object here, so $target reads "Function".
      const target = metadata.target as object;
      (node.constraints ??= {})[metadata.type] = messageOf(
        target.constructor.name,
        metadata,
        target,
        value,
      );
    }
  }
}

/** ValidationExecutor.execute for one object of a class. */
function validateObject(
  plan: ClassPlan,
  object: Record<string, unknown>,
  errors: ValidationErrorTree[],
): void {
  if (!plan.known) {
    errors.push({
      property: undefined as unknown as string,
      children: [],
      constraints: { unknownValue: 'an unknown value was passed to the validate function' },
    });
    return;
  }
  for (const key of Object.keys(object)) {
    if (!plan.allowed.has(key))
      errors.push({
        property: key,
        constraints: { [ValidationTypes.WHITELIST]: `property ${key} should not exist` },
      });
  }
  for (const property of plan.properties) {
    const value = object[property.name];
    let applies = true;
    // All conditions run (the executor maps then reduces), even after one says no.
    for (const condition of property.conditions) {
      const check = condition.constraints[0] as (object: object, value: unknown) => boolean;
      applies = check(object, value) && applies;
    }
    if (!applies) continue;
    let failed = runRules(property.defined, plan.targetName, object, value, undefined);
    failed = runRules(property.custom, plan.targetName, object, value, failed);
    // A node only for a property that failed or has nested values to look into.
    if (property.nested.length > 0 && value !== undefined) {
      const node: ValidationErrorTree = { property: property.name };
      if (failed) node.constraints = failed;
      validateNested(property.nested, property.objectClass, value, node);
      keep(node, errors);
    } else if (failed) {
      errors.push({ property: property.name, constraints: failed });
    }
  }
}

/** Checks a plain object (screened JSON) against a class, giving validateSync's error tree. */
export type CompiledBodyCheck = (object: Record<string, unknown>) => ValidationErrorTree[];

let compiler: Compiler | undefined;

/**
 * Reads a class's validation and transformation metadata once and returns a function that
 * validates as `validateSync(plainToInstance(cls, object), …)` would, without instances. Throws
 * UncompilableClassError when the class uses metadata the walk does not model.
 */
export function compileBodyCheck(cls: Constructor): CompiledBodyCheck {
  let plan: ClassPlan;
  try {
    compiler ??= new Compiler();
    plan = compiler.classPlan(cls);
  } catch (error) {
    // A class that failed half way may have left partial plans behind: start over next time.
    compiler = undefined;
    throw error;
  }
  return (object) => {
    const errors: ValidationErrorTree[] = [];
    validateObject(plan, object, errors);
    return errors;
  };
}
