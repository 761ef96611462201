import { adviceLifecycle } from '@hub/service-kit';
import { healthAdvice } from './tables.ts';

/**
 * Health advice for an EHC needs assessment (SEND Regulations 2014 reg 6(1)(c), medical advice), written by a
 * health practitioner of an organisation involved with the child: draft → submitted, corrections
 * as new versions. The lifecycle is shared with educational and social care advice
 * (@hub/service-kit advice.ts); who may write or read is @hub/policy's canWriteAdvice('health').
 */
export const healthAdviceLifecycle = adviceLifecycle({
  domain: 'health',
  table: healthAdvice,
  noun: 'health advice',
  subject: 'HealthAdvice',
  field: 'healthAdvice',
  actions: {
    create: 'createHealthAdviceDraft',
    update: 'updateHealthAdviceDraft',
    submit: 'submitHealthAdvice',
    correct: 'correctHealthAdvice',
  },
});
