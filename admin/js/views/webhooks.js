/* Webhooks: the global webhook (and its signing secret), the broker outputs, the deliveries. */
import { get } from '../api.js';
import { append, pageHeader, spinner } from '../dom.js';
import { currentUser } from '../auth.js';
import { isAdmin } from '../roles.js';
import { brokerOutputsCard } from './broker-outputs.js';
import { globalWebhookCard } from './global-webhook.js';
import { deliveriesCard } from './webhook-deliveries.js';

export async function render(root) {
  append(root, pageHeader('Webhooks'), spinner());
  const [config, sessions, brokers] = await Promise.all([
    get('/api/v1/webhooks/config'),
    get('/api/v1/sessions'),
    get('/api/v1/webhooks/brokers'),
  ]);
  root.lastChild.remove();
  append(
    root,
    globalWebhookCard(config),
    brokerOutputsCard(brokers, isAdmin(currentUser())),
    deliveriesCard(sessions),
  );
}
