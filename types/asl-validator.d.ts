// asl-validator 4 ships no type declarations: the part of its API hubfix uses.
declare module 'asl-validator' {
  interface ValidationOptions {
    /** Check JSONPath syntax in InputPath, OutputPath, ResultPath and friends (default true). */
    readonly checkPaths: boolean;
    /** Check that Task `Resource` values are ARNs (default true). */
    readonly checkArn: boolean;
  }

  interface ValidationError {
    message?: string;
    'Error code'?: string;
    Message?: string;
  }

  function aslValidator(
    definition: unknown,
    options?: ValidationOptions,
  ): { isValid: boolean; errors: ValidationError[]; errorsText: (separator?: string) => string };
  export = aslValidator;
}
