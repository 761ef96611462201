import { adviceLifecycle } from '@hub/service-kit';
import { educationalAdvice } from './tables.ts';

/**
 * Educational advice for an EHC needs assessment (SEND Regulations 2014 reg 6(1)(b)), written by
 * the SENCO of the child's school: draft → submitted, corrections as new versions. The lifecycle
 * is the one health advice uses (@hub/service-kit advice.ts); who may write or read is
 * @hub/policy's canWriteAdvice('education') / canReadAdvice('education').
 */
export const educationalAdviceLifecycle = adviceLifecycle({
  domain: 'education',
  table: educationalAdvice,
  noun: 'educational advice',
  subject: 'EducationalAdvice',
  field: 'educationalAdvice',
  actions: {
    create: 'createEducationalAdviceDraft',
    update: 'updateEducationalAdviceDraft',
    submit: 'submitEducationalAdvice',
    correct: 'correctEducationalAdvice',
  },
});
