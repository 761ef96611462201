import { adviceLifecycle } from '@hub/service-kit';
import { socialCareAdvice } from './tables.ts';

/**
 * Social care advice for an EHC needs assessment (SEND Regulations 2014 reg 6(1)(e)), written by a
 * social worker of the team working with the child: draft → submitted, corrections as new
 * versions. The lifecycle is the one health advice uses (@hub/service-kit advice.ts); who may
 * write or read is @hub/policy's canWriteAdvice('social_care') / canReadAdvice('social_care').
 */
export const socialCareAdviceLifecycle = adviceLifecycle({
  domain: 'social_care',
  table: socialCareAdvice,
  noun: 'social care advice',
  subject: 'SocialCareAdvice',
  field: 'socialCareAdvice',
  actions: {
    create: 'createSocialCareAdviceDraft',
    update: 'updateSocialCareAdviceDraft',
    submit: 'submitSocialCareAdvice',
    correct: 'correctSocialCareAdvice',
  },
});
