import { ValidationError } from '../../domain/errors.ts';
import { builder } from '../builder.ts';
import { callerOf } from '../resolver-helpers.ts';
import { EnvironmentEnum } from './enums.ts';

builder.mutationField('rotateSigningSecret', (t) =>
  t.fieldWithInput({
    type: builder.simpleObject('RotateSigningSecretSuccess', {
      fields: (f) => ({
        environment: f.field({ type: EnvironmentEnum, description: "The environment whose secret was replaced: the calling key's" }),
        signingSecret: f.string({ description: 'The new signing secret (whsec_…). Shown once: store it now.' }),
        previousValidUntil: f.field({
          type: 'DateTime',
          nullable: true,
          description: 'Until when the previous secret still verifies requests and signs webhooks beside the new one',
        }),
      }),
    }),
    errors: { types: [ValidationError] },
    authScopes: { may: 'signingSecret.rotate' },
    description:
      "Replace the signing secret of the calling key's environment (TEST or LIVE; the other environment's is not touched); the previous one stays valid for the grace period (default 24 h)",
    input: {
      gracePeriodSeconds: t.input.int({ description: 'How long the previous secret stays valid: 0 to 604800, default 86400' }),
    },
    resolve: (_root, { input }, ctx) => {
      const caller = callerOf(ctx);
      return ctx.services.signing.rotate(caller, input.gracePeriodSeconds == null ? {} : { gracePeriodSeconds: input.gracePeriodSeconds });
    },
  }),
);
